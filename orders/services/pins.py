"""Staff PINs: a staff member confirms at a till that they are the one acting.

The PIN is hashed with Django's password hashers. Failures are counted per staff member
and terminal in the cache (``customers.login_throttle.FailureCounter``, the shoppers'
log-in throttle): after ``MAX_FAILURES`` within its window that pair is refused without
checking, so a PIN cannot be guessed at a till. With the cache down the throttle fails
open (config/cache.py) while the PIN itself is still checked.
"""

from django.contrib.auth.hashers import check_password, make_password
from django.utils.translation import gettext as _

from customers.login_throttle import FailureCounter
from orders.exceptions import PinInvalid, PinThrottled
from orders.models import StaffPin, Terminal

MAX_FAILURES = 5
PIN_DIGITS = (4, 8)


def staff_pin_set(*, user, pin: str) -> StaffPin:
    """Set (or replace) the staff member's PIN: 4 to 8 digits."""
    pin = (pin or "").strip()
    low, high = PIN_DIGITS
    if not (pin.isdigit() and low <= len(pin) <= high):
        raise PinInvalid(
            _("A PIN is %(low)d to %(high)d digits.") % {"low": low, "high": high},
            fields={"pin": [_("Use %(low)d to %(high)d digits.") % {"low": low, "high": high}]},
        )
    record, _created = StaffPin.objects.update_or_create(
        user=user, defaults={"pin_hash": make_password(pin)}
    )
    return record


def _counter(*, user, terminal: Terminal) -> FailureCounter:
    return FailureCounter(
        scope="staff-pin", parts=(str(user.pk), str(terminal.pk)), limit=MAX_FAILURES
    )


def staff_pin_verify(*, user, terminal: Terminal, pin: str) -> None:
    """PinInvalid unless ``pin`` is ``user``'s; PinThrottled after too many failures."""
    counter = _counter(user=user, terminal=terminal)
    if counter.is_blocked():
        raise PinThrottled(fields={"pin": [str(PinThrottled.default_detail)]})
    record = StaffPin.objects.filter(user=user).first()
    if record is None or not check_password(pin or "", record.pin_hash):
        counter.failure()
        raise PinInvalid(fields={"pin": [str(PinInvalid.default_detail)]})
    counter.reset()
