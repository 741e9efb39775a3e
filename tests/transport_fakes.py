"""Real-protocol stand-ins for the message providers, used through fixtures in conftest.py.

``fake_provider`` — one HTTP server on 127.0.0.1 that speaks the SMS gateway's, Zalo ZNS's
(messages and OAuth token refresh) and the Messenger Send API's request shapes::

    fake_provider.configure(settings)          # SMS, Zalo and Messenger now go to it
    transport_for("sms").send(message)
    fake_provider.requests                     # every request: .path .headers .json .form
    fake_provider.requests_to(SMS_PATH)
    fake_provider.respond_with(429, {"error": "slow down"}, path=SMS_PATH)   # next one
    fake_provider.respond_with(500, times=None)      # every request from now on
    fake_provider.respond_with(200, b"{not json", delay=1.0)

Without a queued answer each path answers success in its provider's shape, with ids
counting up (``sms-1``, ``zns-1``, ``m_1``, ``access-1``/``refresh-1``).

``smtp_server`` — an aiosmtpd server on 127.0.0.1 behind Django's SMTP backend::

    smtp_server.configure(settings)            # EMAIL_BACKEND=smtp, host/port → it
    smtp_server.messages[0].message["List-Unsubscribe"]
    smtp_server.refuse_recipient("x@example.vn", "550 5.1.1 No such user")
    smtp_server.refuse_data("451 4.3.0 Try again later")
    smtp_server.delay_data(2.0)
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import itertools
import json
import socket
import threading
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SMS_PATH = "/sms/send"
ZNS_PATH = "/zalo/message/template"
ZALO_TOKEN_PATH = "/zalo/oauth/access_token"
MESSENGER_PATH = "/messenger/v21.0/me/messages"
# django-anymail's Mailgun backend, with ANYMAIL["MAILGUN_API_URL"] = fake_provider.url + this
MAILGUN_PREFIX = "/mailgun/v3"

SMS_API_KEY = "test-sms-key"
SMS_BRAND = "TIEM"
ZALO_APP_ID = "test-zalo-app"
ZALO_APP_SECRET = "test-zalo-secret"
ZALO_REFRESH_TOKEN = "refresh-0"
MESSENGER_PAGE_TOKEN = "test-page-token"

TRANSPORTS = {
    "sms": "config.transports.sms.HttpSmsGateway",
    "zalo": "config.transports.zalo.ZaloZnsTransport",
    "messenger": "config.transports.messenger.MessengerSendApiTransport",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    json: dict | None  # the body parsed as JSON, when it is
    form: dict[str, str] | None  # the body parsed as a form, when it is one


@dataclass
class _Answer:
    status: int
    body: object  # dict → JSON, str/bytes → as is, None → the path's success body
    delay: float
    path: str | None
    times: int | None  # None: every time


class FakeProvider:
    def __init__(self):
        self.requests: list[RecordedRequest] = []
        self._answers: deque[_Answer] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # --- the API tests use ----------------------------------------------------------------

    def respond_with(self, status=200, body=None, *, delay=0.0, path=None, times=1):
        """Queue an answer: for the next ``times`` requests (to ``path``, or any path).

        ``times=None`` makes it the standing answer to every later request (until ``reset``)
        that no counted answer is queued for.
        ``body``: a dict is sent as JSON, str/bytes as they are (malformed JSON, HTML),
        None the path's usual success body. ``delay`` seconds pass before answering.
        """
        with self._lock:
            self._answers.append(_Answer(status, body, delay, path, times))

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._answers.clear()

    def settings_values(self, *, timeout: float = 2.0) -> dict:
        """Settings pointing the SMS, Zalo and Messenger transports here."""
        return {
            "SMS_GATEWAY": {
                "URL": self.url + SMS_PATH,
                "API_KEY": SMS_API_KEY,
                "SECRET": "",
                "BRAND": SMS_BRAND,
                "AUTH": "bearer",
                "PHONE_STYLE": "84",
                "ID_FIELD": "message_id",
                "FIELDS": {},
                "TIMEOUT": timeout,
            },
            "ZALO_ZNS": {
                "URL": self.url + ZNS_PATH,
                "TOKEN_URL": self.url + ZALO_TOKEN_PATH,
                "APP_ID": ZALO_APP_ID,
                "APP_SECRET": ZALO_APP_SECRET,
                "REFRESH_TOKEN": ZALO_REFRESH_TOKEN,
                "ACCESS_TOKEN": "",
                "TIMEOUT": timeout,
            },
            "MESSENGER": {
                "URL": self.url + MESSENGER_PATH,
                "PAGE_ACCESS_TOKEN": MESSENGER_PAGE_TOKEN,
                "TIMEOUT": timeout,
            },
        }

    def configure(self, settings, *, channels=("sms", "zalo", "messenger"), timeout=2.0):
        """Point pytest-django's ``settings`` fixture at this server for ``channels``."""
        settings.MESSAGE_TRANSPORTS = {
            **settings.MESSAGE_TRANSPORTS,
            **{channel: TRANSPORTS[channel] for channel in channels},
        }
        for name, value in self.settings_values(timeout=timeout).items():
            setattr(settings, name, value)

    def configure_mailgun(self, settings) -> None:
        """Email through django-anymail's Mailgun backend, whose API is this server."""
        settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
        settings.ANYMAIL = {
            "MAILGUN_API_KEY": "test-mailgun-key",
            "MAILGUN_API_URL": self.url + MAILGUN_PREFIX,
            "REQUESTS_TIMEOUT": 2,
        }
        settings.MESSAGE_TRANSPORTS = {
            **settings.MESSAGE_TRANSPORTS,
            "email": "config.transports.email.EmailTransport",
        }

    def environ(self) -> dict[str, str]:
        """The same as environment variables, for a worker started as another process."""
        return {
            "MESSAGE_TRANSPORT_SMS": TRANSPORTS["sms"],
            "MESSAGE_TRANSPORT_ZALO": TRANSPORTS["zalo"],
            "MESSAGE_TRANSPORT_MESSENGER": TRANSPORTS["messenger"],
            "SMS_GATEWAY_URL": self.url + SMS_PATH,
            "SMS_GATEWAY_API_KEY": SMS_API_KEY,
            "SMS_GATEWAY_BRAND": SMS_BRAND,
            "ZALO_ZNS_URL": self.url + ZNS_PATH,
            "ZALO_TOKEN_URL": self.url + ZALO_TOKEN_PATH,
            "ZALO_APP_ID": ZALO_APP_ID,
            "ZALO_APP_SECRET": ZALO_APP_SECRET,
            "ZALO_REFRESH_TOKEN": ZALO_REFRESH_TOKEN,
            "MESSENGER_API_URL": self.url + MESSENGER_PATH,
            "MESSENGER_PAGE_ACCESS_TOKEN": MESSENGER_PAGE_TOKEN,
            "MESSAGE_HTTP_TIMEOUT_SECONDS": "2",
        }

    # --- the server ----------------------------------------------------------------------

    def start(self) -> FakeProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()  # wakes answers still sleeping out a delay
        self._server.shutdown()
        self._server.server_close()

    def _next_answer(self, path: str) -> _Answer | None:
        # Answers queued for a number of times go first, in order; then the latest standing one.
        with self._lock:
            for answer in self._answers:
                if answer.times is not None and answer.path in (None, path):
                    answer.times -= 1
                    if answer.times <= 0:
                        self._answers.remove(answer)
                    return answer
            for answer in reversed(self._answers):
                if answer.path in (None, path):
                    return answer
        return None

    def _success_body(self, path: str, request: RecordedRequest) -> dict:
        n = next(self._ids)
        if path == SMS_PATH:
            return {"message_id": f"sms-{n}"}
        if path == ZNS_PATH:
            return {"error": 0, "message": "Success", "data": {"msg_id": f"zns-{n}"}}
        if path == ZALO_TOKEN_PATH:
            return {
                "access_token": f"access-{n}",
                "refresh_token": f"refresh-{n}",
                "expires_in": "90000",
            }
        if path == MESSENGER_PATH:
            recipient = ((request.json or {}).get("recipient") or {}).get("id", "")
            return {"recipient_id": recipient, "message_id": f"m_{n}"}
        if path.startswith(MAILGUN_PREFIX):
            return {"id": f"<mailgun-{n}@tiem.example.vn>", "message": "Queued. Thank you."}
        return {"ok": True, "id": f"fake-{n}"}

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        split = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        content_type = handler.headers.get("Content-Type", "")
        parsed_json = parsed_form = None
        if "json" in content_type:
            try:
                parsed_json = json.loads(body)
            except ValueError:
                parsed_json = None
        elif "x-www-form-urlencoded" in content_type:
            parsed_form = dict(urllib.parse.parse_qsl(body.decode()))
        request = RecordedRequest(
            method=handler.command,
            path=split.path,
            query=urllib.parse.parse_qs(split.query),
            headers={name.lower(): value for name, value in handler.headers.items()},
            body=body,
            json=parsed_json,
            form=parsed_form,
        )
        with self._lock:
            self.requests.append(request)
        answer = self._next_answer(split.path) or _Answer(200, None, 0.0, None, None)
        if answer.delay and self._stopping.wait(answer.delay):
            return
        payload = answer.body
        if payload is None:
            payload = self._success_body(split.path, request)
        if isinstance(payload, dict | list):
            payload = json.dumps(payload).encode()
        elif isinstance(payload, str):
            payload = payload.encode()
        try:
            handler.send_response(answer.status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:
            pass  # the client gave up waiting (the slow-answer tests): nothing to say

    def _handler_class(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                provider._handle(self)

            do_GET = do_POST

            def log_message(self, format, *args):
                pass

        return Handler


# --- SMTP ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: email.message.EmailMessage


@dataclass
class _SmtpHandler:
    messages: list[ReceivedMail] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    data_reply: str = ""
    data_delay: float = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return self.refused[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if self.data_reply:
            return self.data_reply
        self.messages.append(
            ReceivedMail(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                raw=envelope.content,
                message=email.message_from_bytes(envelope.content, policy=email.policy.default),
            )
        )
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self):
        from aiosmtpd.controller import Controller

        self._handler = _SmtpHandler()
        self.port = free_port()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[ReceivedMail]:
        return self._handler.messages

    def refuse_recipient(self, address: str, reply: str = "550 5.1.1 No such user") -> None:
        self._handler.refused[address] = reply

    def refuse_data(self, reply: str = "451 4.3.0 Try again later") -> None:
        self._handler.data_reply = reply

    def delay_data(self, seconds: float) -> None:
        """Take this long to answer the message's DATA (a server slower than our timeout)."""
        self._handler.data_delay = seconds

    def configure(self, settings) -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = self.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5
        settings.MESSAGE_TRANSPORTS = {
            **settings.MESSAGE_TRANSPORTS,
            "email": "config.transports.email.EmailTransport",
        }

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
