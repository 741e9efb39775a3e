import pytest

from orders.models import Terminal
from orders.services import terminal_revoke, terminal_token_rotate
from tests.factories import LocationFactory, terminal_with_token


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.mark.django_db
def test_terminal_token_identifies_the_terminal_and_its_store(client):
    # given
    store = LocationFactory(name="Showroom Hàng Giấy")
    terminal, token = terminal_with_token(location=store)

    # when
    response = client.get("/api/v1/pos/terminal/", **bearer(token))

    # then
    assert response.status_code == 200
    assert response.json()["id"] == terminal.pk
    assert response.json()["location"]["name"] == "Showroom Hàng Giấy"
    terminal.refresh_from_db()
    assert terminal.last_seen_at is not None


@pytest.mark.django_db
def test_only_the_hash_of_the_token_is_stored():
    terminal, token = terminal_with_token()

    stored = Terminal.objects.filter(pk=terminal.pk).values().get()

    assert token not in {str(value) for value in stored.values()}
    assert stored["token_hash"] == Terminal.hash_token(token)


@pytest.mark.django_db
def test_revoked_token_is_a_401(client):
    terminal, token = terminal_with_token()
    terminal_revoke(terminal=terminal)

    response = client.get("/api/v1/pos/terminal/", **bearer(token))

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.django_db
def test_rotated_token_replaces_the_old_one(client):
    terminal, old_token = terminal_with_token()

    new_token = terminal_token_rotate(terminal=terminal)

    assert client.get("/api/v1/pos/terminal/", **bearer(old_token)).status_code == 401
    assert client.get("/api/v1/pos/terminal/", **bearer(new_token)).status_code == 200


@pytest.mark.django_db
def test_no_token_is_a_401(client):
    response = client.get("/api/v1/pos/terminal/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
def test_terminal_cannot_be_placed_in_a_warehouse():
    from orders.exceptions import TerminalLocationInvalid
    from tests.factories import WarehouseFactory

    warehouse = WarehouseFactory()

    with pytest.raises(TerminalLocationInvalid):
        terminal_with_token(location=warehouse)

    assert not Terminal.objects.exists()
