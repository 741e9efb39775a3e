"""Log lines that are easy to grep and carry no personal data.

Every line is ``key=value`` pairs (time, level, logger, message, then any ``extra``), so
``grep 'logger=inventory'`` works on a server. Shoppers' emails and phone numbers must not
end up in log files: the filter masks anything shaped like one, whoever logged it.
"""

import logging
import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone number: an optional +, then 9 to 15 digits, possibly split by spaces, dots or dashes.
PHONE = re.compile(r"(?<![\w/])\+?\d(?:[ .\-]?\d){8,14}(?![\w/])")
STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


def redact(text: str) -> str:
    return PHONE.sub("[phone]", EMAIL.sub("[email]", text))


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        for key, value in list(vars(record).items()):
            if key in STANDARD_ATTRIBUTES or isinstance(value, int | float | bool | None):
                continue
            # Extras such as Celery's task ``data`` (which holds task arguments) become
            # redacted text: a dict can hide a phone number as well as a string can.
            setattr(record, key, redact(str(value)))
        return True


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        pairs = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in STANDARD_ATTRIBUTES and not key.startswith("_"):
                pairs[key] = value
        line = " ".join(f"{key}={_quote(value)}" for key, value in pairs.items())
        if record.exc_info:
            line += "\n" + redact(self.formatException(record.exc_info))
        return line


def _quote(value) -> str:
    text = str(value)
    if not text or any(char in text for char in ' "='):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text
