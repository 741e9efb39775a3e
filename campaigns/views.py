"""The shopper-facing ends of a message: the open pixel and the tracked-link redirect.

A token that fails its signature gets a 400 page and nothing is written; a valid one can
only lead to a URL its message carried (``MessageLink``). HEAD requests (link checkers)
are answered without recording anything.
"""

from django.core import signing
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from campaigns import links
from campaigns.models import Message, MessageLink
from campaigns.services import message_click_record, message_open_record

# A 1x1 transparent GIF.
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def _invalid(request):
    return render(request, "campaigns/link_invalid.html", status=400)


def _user_agent(request) -> str:
    return request.headers.get("User-Agent", "")


@require_http_methods(["GET", "HEAD"])
def tracking_open(request, token: str):
    """The open pixel of an email: record the open, answer a GIF nobody caches."""
    try:
        message_id = links.open_token_read(token)
    except signing.BadSignature:
        return _invalid(request)
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        return _invalid(request)
    if request.method == "GET":
        message_open_record(message=message, user_agent=_user_agent(request))
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, private"
    return response


@require_http_methods(["GET", "HEAD"])
def tracking_click(request, token: str):
    """A tracked link: record the click, send the shopper on to the link's own URL."""
    try:
        message_id, position = links.click_token_read(token)
    except signing.BadSignature:
        return _invalid(request)
    link = MessageLink.objects.filter(message_id=message_id, position=position).first()
    if link is None:
        return _invalid(request)
    if request.method == "GET":
        message_click_record(link=link, user_agent=_user_agent(request))
    response = HttpResponseRedirect(link.url)
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    return response
