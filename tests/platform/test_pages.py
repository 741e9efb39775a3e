from decimal import Decimal

import pytest

from inventory.services import product_upsert, variant_upsert


@pytest.fixture
def jar(db):
    product = product_upsert(slug="mac-khen", name="Mắc khén rừng", name_en="Wild mac khen pepper")
    return variant_upsert(product=product, sku="MK-100", price_amount=Decimal(1350000))


def test_home_page_is_the_store_front_and_speaks_vietnamese_by_default(client, jar):
    response = client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="vi">' in page
    assert "Chào mừng đến với Tiệm" in page
    assert "Mắc khén rừng" in page
    assert "1.350.000\u00a0₫" in page


def test_language_switch_to_english(client, jar):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Welcome to Tiệm" in page
    assert "Wild mac khen pepper" in page
    assert "₫1,350,000" in page


@pytest.mark.django_db
def test_unknown_page_is_an_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
