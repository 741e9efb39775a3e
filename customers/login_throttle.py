"""Failed log-ins counted per identifier and IP address in Django's cache.

After ``MAX_FAILURES`` failed attempts within ``WINDOW`` the pair is refused without
checking the password, whether the account exists or not, so the refusal reveals
nothing. The counter lives in the cache (Redis in production, shared by every web
process); losing it only forgets recent failures.
"""

import contextlib
import hashlib
from datetime import timedelta

from django.core.cache import cache

from customers.contacts import looks_like_email, normalize_phone
from customers.exceptions import InvalidContactPoint

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


def _identifier_key(identifier: str) -> str:
    """One key for one person's identifier however it is typed (``0909 908 089`` = ``+84…``)."""
    text = (identifier or "").strip().lower()
    if text and not looks_like_email(text):
        with contextlib.suppress(InvalidContactPoint):  # not a phone: count it as typed
            text = normalize_phone(text)
    return text


class LoginThrottle:
    def __init__(self, *, identifier: str, ip_address: str):
        # Hashed: the cache holds no email or phone in clear.
        digest = hashlib.sha256(
            f"{_identifier_key(identifier)}|{ip_address or ''}".encode()
        ).hexdigest()
        self.key = f"customers:login-failures:{digest}"

    @classmethod
    def for_request(cls, request, identifier: str) -> "LoginThrottle":
        ip_address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
        return cls(identifier=identifier, ip_address=ip_address)

    def is_blocked(self) -> bool:
        return (cache.get(self.key) or 0) >= MAX_FAILURES

    def failure(self) -> None:
        # add() starts the window only on the first failure, so the count expires
        # WINDOW after it: at most MAX_FAILURES guesses per window.
        cache.add(self.key, 0, timeout=int(WINDOW.total_seconds()))
        try:
            cache.incr(self.key)
        except ValueError:  # expired between add() and incr()
            cache.set(self.key, 1, timeout=int(WINDOW.total_seconds()))

    def reset(self) -> None:
        cache.delete(self.key)
