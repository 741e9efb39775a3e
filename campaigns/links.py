"""Tracked links and the open pixel: signed tokens, and finding links in rendered content.

A click token signs ``(message id, link position)`` and nothing else; the destination is
the ``MessageLink`` row it names, written when the message was rendered. So a token can
only ever lead to a URL that message really carried: no open redirect, and a tampered
token fails the signature before anything is read or written.

Tokens are short on purpose, because an SMS pays for every character: base 36 ids and
Django's signer with its HMAC-SHA256 tag cut to 96 bits (16 characters instead of 43).
96 bits leave a forger one chance in 2^96 per try, and a forged token could at best lead
to a link some message of ours already carried.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.urls import Resolver404, resolve, reverse
from django.utils.html import escape
from django.utils.http import base36_to_int, int_to_base36

CLICK_SALT = "campaigns.tracking.click"
OPEN_SALT = "campaigns.tracking.open"
SEPARATOR = "."

# Links that must reach their page untouched: our own tracking links (wrapping twice) and
# the opt-out link, whose click is not engagement.
UNTRACKED_URL_NAMES = {
    "customers:opt-out",
    "campaigns:tracking-click",
    "campaigns:tracking-open",
}

# A URL in plain text ends at white space or a character that cannot end one in prose.
TEXT_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?)]}'\"»…"
HREF = re.compile(r"""(\bhref\s*=\s*)("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)


class ShortSigner(signing.Signer):
    """Django's signer (salt, key rotation through SECRET_KEY_FALLBACKS, constant-time
    comparison), with the tag truncated to ``TAG_LENGTH`` base64 characters."""

    TAG_LENGTH = 16

    def signature(self, value, key=None):
        return super().signature(value, key)[: self.TAG_LENGTH]


def _signer(salt: str) -> signing.Signer:
    return ShortSigner(salt=salt, sep=SEPARATOR)


def click_token(*, message_id: int, position: int) -> str:
    return _signer(CLICK_SALT).sign(f"{int_to_base36(message_id)}{SEPARATOR}{position}")


def click_token_read(token: str) -> tuple[int, int]:
    """(message id, link position); ``signing.BadSignature`` if forged, damaged or foreign."""
    value = _signer(CLICK_SALT).unsign(token)
    message_part, _, position_part = value.partition(SEPARATOR)
    try:
        return base36_to_int(message_part), int(position_part)
    except ValueError as error:
        raise signing.BadSignature("Unexpected click token content.") from error


def open_token(*, message_id: int) -> str:
    return _signer(OPEN_SALT).sign(int_to_base36(message_id))


def open_token_read(token: str) -> int:
    """The message id; ``signing.BadSignature`` if forged, damaged or foreign."""
    value = _signer(OPEN_SALT).unsign(token)
    try:
        return base36_to_int(value)
    except ValueError as error:
        raise signing.BadSignature("Unexpected open token content.") from error


def absolute(path: str) -> str:
    return settings.MESSAGE_LINK_BASE_URL.rstrip("/") + path


def click_url(*, message_id: int, position: int) -> str:
    token = click_token(message_id=message_id, position=position)
    return absolute(reverse("campaigns:tracking-click", args=[token]))


def open_url(*, message_id: int) -> str:
    return absolute(reverse("campaigns:tracking-open", args=[open_token(message_id=message_id)]))


def is_trackable(url: str) -> bool:
    """An absolute http(s) link that is not one of ours that must stay as it is."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return False
    if len(url) > 2000:
        return False
    if parts.netloc.lower() == urlsplit(settings.MESSAGE_LINK_BASE_URL).netloc.lower():
        try:
            match = resolve(parts.path)
        except Resolver404:
            return True
        return match.view_name not in UNTRACKED_URL_NAMES
    return True


@dataclass(frozen=True)
class FoundLink:
    start: int  # offsets in the content of the text to replace
    end: int
    url: str


def text_links(text: str) -> Iterator[FoundLink]:
    """The http(s) URLs written out in plain text, without the punctuation that follows."""
    for match in TEXT_URL.finditer(text):
        url = match.group(0).rstrip(TRAILING_PUNCTUATION)
        if url.count("(") > url.count(")") and match.group(0)[len(url) : len(url) + 1] == ")":
            url += ")"  # a Wikipedia-style link: the bracket belongs to it
        yield FoundLink(match.start(), match.start() + len(url), url)


class _AnchorFinder(HTMLParser):
    """Finds the ``href`` of every ``<a>`` start tag, with its place in the source."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.found: list[FoundLink] = []
        # HTMLParser counts lines by "\n" alone (not by every break splitlines knows).
        self._line_starts = [0] + [match.end() for match in re.finditer("\n", source)]

    def handle_starttag(self, tag, attrs):
        if tag != "a":
            return
        href = dict(attrs).get("href")
        raw = self.get_starttag_text() or ""
        match = HREF.search(raw)
        if not href or match is None:
            return
        line, column = self.getpos()
        tag_start = self._line_starts[line - 1] + column
        # The attribute's value (quotes included) is what gets replaced.
        self.found.append(
            FoundLink(tag_start + match.start(2), tag_start + match.end(2), href.strip())
        )


def html_links(html: str) -> list[FoundLink]:
    """The ``href`` of every ``<a>`` in the HTML; ``url`` unescaped (``&amp;`` → ``&``)."""
    finder = _AnchorFinder(html)
    finder.feed(html)
    finder.close()
    return finder.found


def replace_links(content: str, links: list[FoundLink], new_text: dict[str, str]) -> str:
    """``content`` with each found link whose URL is in ``new_text`` replaced by its value."""
    pieces, cursor = [], 0
    for link in sorted(links, key=lambda found: found.start):
        if link.url not in new_text or link.start < cursor:
            continue
        pieces.append(content[cursor : link.start])
        pieces.append(new_text[link.url])
        cursor = link.end
    pieces.append(content[cursor:])
    return "".join(pieces)


def quoted_href(url: str) -> str:
    return f'"{escape(url)}"'


def pixel_tag(url: str) -> str:
    return (
        f'<img src="{escape(url)}" width="1" height="1" alt="" '
        'style="display:block;border:0;width:1px;height:1px">'
    )


BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def html_with_pixel(html: str, url: str) -> str:
    """The pixel just before ``</body>`` (the last one), or at the end without one."""
    ends = list(BODY_END.finditer(html))
    if not ends:
        return html + pixel_tag(url)
    at = ends[-1].start()
    return html[:at] + pixel_tag(url) + html[at:]
