"""Failed log-ins (and sign-ups that hit an existing account) counted in Django's cache.

After ``MAX_FAILURES`` failed log-ins for one identifier from one IP address within
``WINDOW``, that pair is refused without checking the password, whether the account
exists or not, so the refusal reveals nothing. An address that fails
``MAX_FAILURES_PER_ADDRESS`` times over any identifiers (credential stuffing) is refused
too. Sign-ups that clash with an existing account are counted per address the same way,
so the sign-up form cannot be used to test a list of emails or phones quickly.

Behind a reverse proxy every request comes from the proxy's address: set
``TRUSTED_PROXY_COUNT`` to the number of proxies in front of the web processes so the
client's address is read from ``X-Forwarded-For`` instead.

The counters live in the cache (Redis in production, shared by every web process);
losing them only forgets recent failures.
"""

import contextlib
import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache

from config.cache import count_up
from customers.contacts import looks_like_email, normalize_phone
from customers.exceptions import InvalidContactPoint

MAX_FAILURES = 5
MAX_FAILURES_PER_ADDRESS = 50
MAX_SIGNUP_CLASHES_PER_ADDRESS = 10
WINDOW = timedelta(minutes=15)


def _identifier_key(identifier: str) -> str:
    """One key for one person's identifier however it is typed (``0909 908 089`` = ``+84…``)."""
    text = (identifier or "").strip().lower()
    if text and not looks_like_email(text):
        with contextlib.suppress(InvalidContactPoint):  # not a phone: count it as typed
            text = normalize_phone(text)
    return text


def _ip_address(request) -> str:
    """The client's address. Behind N reverse proxies (``TRUSTED_PROXY_COUNT`` = N), the
    N-th address from the right of ``X-Forwarded-For``: the ones further left are whatever
    the client chose to send, so they cannot be trusted to tell clients apart."""
    if request is None:
        return ""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def client_ip_address(request) -> str:
    """The client's address, as the throttles read it (see ``TRUSTED_PROXY_COUNT``)."""
    return _ip_address(request)


class FailureCounter:
    """How many failures of one kind one key had in the current window."""

    def __init__(self, *, scope: str, parts: tuple[str, ...], limit: int):
        # Hashed: the cache holds no email, phone or address in clear.
        digest = hashlib.sha256("|".join(parts).encode()).hexdigest()
        self.key = f"customers:{scope}:{digest}"
        self.limit = limit

    def is_blocked(self) -> bool:
        return (cache.get(self.key) or 0) >= self.limit

    def failure(self) -> None:
        # The count starts at the first failure (count_up adds the key only then) and expires
        # WINDOW after it: at most ``limit`` failures per window.
        count_up(cache, self.key, int(WINDOW.total_seconds()))

    def reset(self) -> None:
        cache.delete(self.key)


class LoginThrottle:
    def __init__(self, *, identifier: str, ip_address: str):
        self.pair = FailureCounter(
            scope="login-failures",
            parts=(_identifier_key(identifier), ip_address or ""),
            limit=MAX_FAILURES,
        )
        self.address = FailureCounter(
            scope="login-failures-address",
            parts=(ip_address or "",),
            limit=MAX_FAILURES_PER_ADDRESS,
        )

    @classmethod
    def for_request(cls, request, identifier: str) -> "LoginThrottle":
        return cls(identifier=identifier, ip_address=_ip_address(request))

    def is_blocked(self) -> bool:
        return self.pair.is_blocked() or self.address.is_blocked()

    def failure(self) -> None:
        self.pair.failure()
        self.address.failure()

    def reset(self) -> None:
        """After a successful log-in: that identifier's count starts again (not the address's)."""
        self.pair.reset()


def signup_clash_counter(request) -> FailureCounter:
    return FailureCounter(
        scope="signup-clashes",
        parts=(_ip_address(request),),
        limit=MAX_SIGNUP_CLASHES_PER_ADDRESS,
    )
