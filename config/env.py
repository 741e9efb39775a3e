"""Reading the environment: every setting Tiệm takes from a variable is parsed here.

A malformed value stops start-up with ``ImproperlyConfigured`` naming the variable, so a
typo in a deployment shows up as one clear line instead of a stack trace later on.
django-environ does the URL parsing; this module adds the strictness it leaves out
(``DEBUG=maybe`` is an error, not ``False``).
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})
DATABASE_SCHEMES = frozenset({"sqlite", "postgres", "postgresql", "pgsql", "psql"})
REDIS_SCHEMES = frozenset({"redis", "rediss"})
CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


class Env:
    """Typed, strict access to a mapping of environment variables."""

    def __init__(self, environ_map: Mapping[str, str]):
        self.environ = environ_map

    def raw(self, name: str, default: str | None = None) -> str | None:
        value = self.environ.get(name)
        return default if value is None else value

    def str(self, name: str, default: str) -> str:
        return self.raw(name, default).strip()

    def bool(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a boolean: use one of true/false, 1/0, yes/no, on/off."
        )

    def int(self, name: str, default: int, *, minimum: int = 0) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value.strip())
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
        if number < minimum:
            raise ImproperlyConfigured(f"{name}={value!r} must be at least {minimum}.")
        return number

    def list(self, name: str, default: list[str]) -> list[str]:
        value = self.raw(name)
        if value is None:
            return list(default)
        return [item.strip() for item in value.split(",") if item.strip()]

    def choice(self, name: str, default: str, choices: list[str]) -> str:
        value = self.str(name, default)
        if value not in choices:
            raise ImproperlyConfigured(
                f"{name}={value!r} is not supported: choose one of {', '.join(choices)}."
            )
        return value

    def time_zone(self, name: str, default: str) -> str:
        value = self.str(name, default)
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ImproperlyConfigured(
                f"{name}={value!r} is not an IANA time zone (for example Asia/Ho_Chi_Minh)."
            ) from None
        return value

    def currency(self, name: str, default: str) -> str:
        value = self.str(name, default).upper()
        if not CURRENCY_CODE.match(value):
            raise ImproperlyConfigured(f"{name}={value!r} is not an ISO 4217 code such as VND.")
        return value

    def database(self, name: str, default: str) -> dict:
        url = self.str(name, default)
        scheme = url.split("://", 1)[0] if "://" in url else ""
        if scheme not in DATABASE_SCHEMES:
            raise ImproperlyConfigured(
                f"{name}={_redact_url(url)!r} is not a database URL: "
                "use postgres://user@host:5432/name or sqlite:///path/to/file.sqlite3."
            )
        try:
            config = environ.Env.db_url_config(url)
        except Exception as error:  # django-environ raises bare errors on odd URLs
            raise ImproperlyConfigured(
                f"{name}={_redact_url(url)!r} could not be parsed: {error}"
            ) from None
        if config["ENGINE"] != "django.db.backends.sqlite3" and not config.get("NAME"):
            raise ImproperlyConfigured(f"{name}={_redact_url(url)!r} names no database.")
        return config

    def redis_url(self, name: str) -> str | None:
        url = self.raw(name)
        if url is None or not url.strip():
            return None
        url = url.strip()
        scheme = url.split("://", 1)[0] if "://" in url else ""
        if scheme not in REDIS_SCHEMES:
            raise ImproperlyConfigured(
                f"{name}={_redact_url(url)!r} is not a Redis URL: use redis://host:6379/0."
            )
        return url


def sqlite_default_url(base_dir: Path) -> str:
    return f"sqlite:///{base_dir / 'var' / 'tiem.sqlite3'}"


def _redact_url(url: str) -> str:
    """Hide a password in a URL before it is shown in an error message."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)
