"""One JSON request to a provider over HTTP, its failures already sorted for the caller.

The standard library's ``urllib.request`` is enough for one POST with a short timeout and
adds no dependency. What each failure means for the message:

- the connection could not be made or the request not written (refused, DNS, connect
  timeout): :class:`TransientSendError`, nothing was delivered;
- no answer in time after the request went out (read timeout): :class:`TransientSendError`
  with ``maybe_delivered=True``: the provider may have taken it;
- an answer: returned as :class:`HttpAnswer`; the transport reads the provider's own error
  codes, helped by :func:`raise_for_status` for the plain HTTP ones.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from config.transports.base import PermanentSendError, TransientSendError

# How much of a provider's error body goes into a reason (it ends up in the outbox row).
REASON_LIMIT = 500


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace").strip()[:REASON_LIMIT]

    def json(self) -> dict | None:
        """The body as a JSON object, or None when it is not one (malformed, HTML, empty)."""
        try:
            data = json.loads(self.body)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None


def post(
    url: str,
    *,
    timeout: float,
    json_body: dict | None = None,
    form: dict | None = None,
    headers: dict[str, str] | None = None,
    provider: str,
) -> HttpAnswer:
    """POST JSON (or a form) to ``url``; any HTTP status comes back as an answer."""
    if json_body is not None:
        data = json.dumps(json_body, ensure_ascii=False).encode()
        content_type = "application/json; charset=utf-8"
    else:
        data = urllib.parse.urlencode(form or {}).encode()
        content_type = "application/x-www-form-urlencoded"
    request = urllib.request.Request(  # noqa: S310 (the URL is the operator's setting)
        url,
        data=data,
        method="POST",
        headers={"Content-Type": content_type, "Accept": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return HttpAnswer(status=response.status, body=response.read())
    except urllib.error.HTTPError as error:
        with error:
            return HttpAnswer(status=error.code, body=error.read())
    except urllib.error.URLError as error:
        # Raised while connecting or writing the request: the provider never had it.
        raise TransientSendError(f"{provider} unreachable: {error.reason}") from error
    except (OSError, http.client.HTTPException) as error:
        # The request went out but the answer did not come back (in time).
        raise TransientSendError(
            f"{provider} did not answer in {timeout:g} s: {error or type(error).__name__}",
            maybe_delivered=True,
        ) from error


def raise_for_status(answer: HttpAnswer, *, provider: str) -> None:
    """429 and 5xx are worth another try; any other non-2xx is the provider refusing."""
    if 200 <= answer.status < 300:
        return
    words = answer.text or "(empty answer)"
    if answer.status == 429 or answer.status >= 500:
        raise TransientSendError(f"{provider} answered {answer.status}: {words}")
    raise PermanentSendError(f"{provider} refused ({answer.status}): {words}")


def unreadable(answer: HttpAnswer, *, provider: str, expected: str) -> TransientSendError:
    """A 2xx answer we cannot read: it may well have been sent, so say so."""
    return TransientSendError(
        f"{provider} answered {answer.status} without {expected}: "
        f"{answer.text or '(empty answer)'}",
        maybe_delivered=True,
    )
