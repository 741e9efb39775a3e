import pytest


@pytest.mark.django_db
def test_home_page_speaks_vietnamese_by_default(client):
    response = client.get("/")

    assert response.status_code == 200
    assert '<html lang="vi">' in response.content.decode()
    assert "Chào mừng đến với Tiệm" in response.content.decode()


@pytest.mark.django_db
def test_language_switch_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)

    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
    assert "Welcome to Tiệm" in response.content.decode()


@pytest.mark.django_db
def test_unknown_page_is_an_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
