"""New terminal tokens are shown once, on a page: never in a cookie or the messages."""

import re

import pytest
from django.contrib.messages import get_messages

from config.roles import STORE_MANAGER
from orders.models import Terminal
from tests.factories import LocationFactory, StaffFactory, terminal_with_token

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'<code class="terminal-token">([^<]+)</code>')


@pytest.fixture(autouse=True)
def _messages_in_a_cookie(settings):
    # The riskiest storage: a message would travel to the browser in a cookie.
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"


def _assert_nowhere_but_the_page(client, response, token):
    assert all(token not in morsel.value for morsel in response.cookies.values())
    assert all(token not in str(message) for message in get_messages(response.wsgi_request))
    assert "no-store" in response["Cache-Control"].split(", ")
    after = client.get("/admin/orders/terminal/")  # the next page shows it no more
    assert token not in after.content.decode()
    assert all(token not in morsel.value for morsel in client.cookies.values())


def test_a_new_terminals_token_is_shown_once_on_a_page(client):
    # given
    store = LocationFactory()
    client.force_login(StaffFactory(role=STORE_MANAGER, stores=[store]))

    # when
    response = client.post("/admin/orders/terminal/add/", {"location": store.pk, "name": "Quầy 2"})

    # then
    assert response.status_code == 200
    [token] = TOKEN.findall(response.content.decode())
    terminal = Terminal.objects.get()
    assert terminal.token_hash == Terminal.hash_token(token)
    _assert_nowhere_but_the_page(client, response, token)


def test_rotated_tokens_are_shown_once_on_a_page(client):
    # given
    store = LocationFactory()
    terminal, old_token = terminal_with_token(location=store)
    client.force_login(StaffFactory(role=STORE_MANAGER, stores=[store]))

    # when
    response = client.post(
        "/admin/orders/terminal/", {"action": "rotate_token", "_selected_action": [terminal.pk]}
    )

    # then
    assert response.status_code == 200
    [token] = TOKEN.findall(response.content.decode())
    assert token != old_token
    terminal.refresh_from_db()
    assert terminal.token_hash == Terminal.hash_token(token)
    _assert_nowhere_but_the_page(client, response, token)
