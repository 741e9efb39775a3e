"""The web store's catalog pages: home, category, search and product (Django test client)."""

import importlib
import unicodedata
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from customers.models import Review
from inventory.models import Location, Product
from inventory.services import (
    product_image_add,
    product_search_text_refresh,
    product_upsert,
    variant_upsert,
)
from orders.models import Cart
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    LocationFactory,
    ProductFactory,
    StaffFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    stocked,
)

# Everything a page does counts: session, user, the header's cart, the page's own reads.
CATEGORY_PAGE_QUERIES = 12
PRODUCT_PAGE_QUERIES = 10


def html(response) -> str:
    return response.content.decode()


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def store(db):
    """A warehouse and two shops, all selling on the web; smoked buffalo meat (two sizes,
    one on sale) in a category under another, and a pepper with no stock anywhere."""
    warehouse = WarehouseFactory(code="kho", name="Kho Long Biên")
    hang_giay = LocationFactory(
        code="hang-giay",
        name="Showroom Hàng Giấy",
        accepts_pickup=True,
        opening_hours="08:00–21:30",
    )
    quan_1 = LocationFactory(code="quan-1", name="Cửa hàng Quận 1", accepts_pickup=False)
    channel_selling_from(warehouse, hang_giay, quan_1, code="web")
    food = CategoryFactory(slug="dac-san", name="Đặc sản", name_en="Specialities", position=0)
    smoked = CategoryFactory(
        slug="thit-gac-bep", name="Thịt gác bếp", name_en="Smoked meats", parent=food
    )
    spices = CategoryFactory(slug="gia-vi", name="Gia vị", name_en="Spices", position=1)
    buffalo = product_upsert(
        slug="trau-gac-bep",
        name="Thịt trâu gác bếp",
        name_en="Smoked buffalo meat",
        category=smoked,
        brand="Tiệm",
        description="Thịt trâu hun khói bếp củi.",
        description_en="Buffalo smoked over a wood fire.",
    )
    small = variant_upsert(
        product=buffalo,
        sku="TRAU-250",
        price_amount=Decimal(250000),
        compare_at_amount=Decimal(300000),
        name="250 g",
    )
    large = variant_upsert(
        product=buffalo, sku="TRAU-500", price_amount=Decimal(1350000), name="500 g", position=1
    )
    pepper = product_upsert(
        slug="mac-khen", name="Mắc khén rừng", name_en="Wild mac khen pepper", category=spices
    )
    variant_upsert(product=pepper, sku="MAC-KHEN-100", price_amount=Decimal(85000), name="100 g")
    stocked(small, warehouse, 20)
    stocked(small, hang_giay, 3)
    stocked(large, quan_1, 2)
    return SimpleNamespace(
        warehouse=warehouse,
        hang_giay=hang_giay,
        quan_1=quan_1,
        food=food,
        smoked=smoked,
        spices=spices,
        buffalo=buffalo,
        pepper=pepper,
        small=small,
        large=large,
    )


def review(product, rating, *, status=Review.Status.APPROVED, verified=False, text=""):
    return Review.objects.create(
        customer=CustomerFactory(),
        product=product,
        rating=rating,
        text=text,
        is_verified_purchase=verified,
        status=status,
    )


def shopper_with_a_cart(client, variant):
    """A logged-in shopper with something in their cart: every query the header can cost."""
    user = StaffFactory(is_staff=False)
    customer = CustomerFactory()
    customer.user = user
    customer.save(update_fields=["user"])
    client.force_login(user)
    client.post(reverse("shop:cart-add"), {"variant_id": variant.pk, "quantity": 1})
    assert Cart.objects.filter(user=user).exists()
    return user


# --- Home -------------------------------------------------------------------------------


def test_home_lists_the_products_in_vietnamese_with_vietnamese_prices(client, store):
    response = client.get("/")

    assert response.status_code == 200
    page = html(response)
    assert '<html lang="vi">' in page
    assert "Chào mừng đến với Tiệm" in page
    assert "Thịt trâu gác bếp" in page
    assert "250.000\u00a0₫" in page
    assert "300.000\u00a0₫" in page  # the compare-at price, struck through
    assert 'href="/p/trau-gac-bep/"' in page
    assert 'href="/c/thit-gac-bep/"' not in page  # not a top-level category
    assert 'href="/c/dac-san/"' in page


def test_home_in_english_shows_english_names_and_prices(client, store):
    response = english(client).get("/")

    page = html(response)
    assert '<html lang="en">' in page
    assert "Welcome to Tiệm" in page
    assert "Smoked buffalo meat" in page
    assert "From ₫250,000" in page
    assert "₫85,000" in page
    assert "Sold out" in page  # the pepper


def test_the_url_named_home_is_the_store_front(client, store):
    assert reverse("home") == reverse("catalog:home") == "/"


# --- Category ---------------------------------------------------------------------------


def test_a_category_page_lists_its_products_and_those_of_its_subcategories(client, store):
    response = english(client).get("/c/dac-san/")

    assert response.status_code == 200
    page = html(response)
    assert "<h1>Specialities</h1>" in page
    assert "Smoked buffalo meat" in page
    assert "Wild mac khen pepper" not in page
    assert 'href="/c/thit-gac-bep/"' in page  # the subcategory


def test_a_category_page_in_vietnamese(client, store):
    page = html(client.get("/c/thit-gac-bep/"))

    assert '<html lang="vi">' in page
    assert "<h1>Thịt gác bếp</h1>" in page
    assert "Thịt trâu gác bếp" in page
    assert "250.000\u00a0₫" in page


def test_a_subcategory_page_has_breadcrumbs_to_its_parent(client, store):
    page = html(english(client).get("/c/thit-gac-bep/"))

    assert 'href="/c/dac-san/">Specialities</a>' in page
    assert '<li aria-current="page">Smoked meats</li>' in page


def test_an_unknown_category_is_a_404_page(client, store):
    response = english(client).get("/c/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in html(response)
    assert 'href="/">back to the store</a>' in html(response)


# --- Filters, sorting, pagination -------------------------------------------------------


def product_names(response) -> list[str]:
    return [card.product.name for card in response.context["page"].object_list]


def test_filter_by_category(client, store):
    response = client.get("/", {"category": "gia-vi"})

    assert product_names(response) == ["Mắc khén rừng"]


def test_filter_by_price_range_applies_to_one_variant(client, store):
    # the buffalo's small size is 250,000 and its large 1,350,000: none between
    assert product_names(client.get("/", {"min_price": 300000, "max_price": 1000000})) == []
    assert product_names(client.get("/", {"min_price": 1000000})) == ["Thịt trâu gác bếp"]
    assert product_names(client.get("/", {"max_price": 100000})) == ["Mắc khén rừng"]


def test_a_price_filter_shows_the_price_of_the_variant_in_the_range(client, store):
    # the buffalo is 250,000 (250 g) or 1,350,000 (500 g): from 1,000,000 only the 500 g fits
    response = client.get("/", {"min_price": 1000000})

    [card] = response.context["page"].object_list
    assert (card.price_amount, card.price_varies) == (Decimal(1350000), False)
    assert "1.350.000\u00a0₫" in html(response)
    assert "Từ 250.000" not in html(response)


def test_filter_in_stock_online(client, store):
    response = client.get("/", {"in_stock": "on"})

    assert product_names(response) == ["Thịt trâu gác bếp"]


def test_filter_available_at_a_store(client, store):
    assert product_names(client.get("/", {"store": "quan-1"})) == ["Thịt trâu gác bếp"]
    response = english(client).get("/", {"store": "hang-giay"})
    assert product_names(response) == ["Thịt trâu gác bếp"]
    assert '<option value="hang-giay" selected>Showroom Hàng Giấy</option>' in html(response)


def test_sorting(client, store):
    honey = product_upsert(slug="mat-ong", name="Ấm trà", name_en="A teapot")
    variant_upsert(product=honey, sku="AM-TRA", price_amount=Decimal(500000))

    by = {
        sort: product_names(client.get("/", {"sort": sort}))
        for sort in ["newest", "price", "-price", "name"]
    }

    assert by["newest"] == ["Ấm trà", "Mắc khén rừng", "Thịt trâu gác bếp"]
    assert by["price"] == ["Mắc khén rừng", "Thịt trâu gác bếp", "Ấm trà"]
    assert by["-price"] == ["Ấm trà", "Thịt trâu gác bếp", "Mắc khén rừng"]
    # Ấ sorts with A, not after the z
    assert by["name"] == ["Ấm trà", "Mắc khén rừng", "Thịt trâu gác bếp"]
    english_names = product_names(english(client).get("/", {"sort": "name"}))
    assert english_names == ["Ấm trà", "Thịt trâu gác bếp", "Mắc khén rừng"]  # A, Smoked, Wild


def test_pagination_48_per_page_keeps_the_filters(client, store):
    many = CategoryFactory(slug="nhieu")
    for number in range(50):
        VariantFactory(product=ProductFactory(category=many, name=f"Hàng {number:02d}"))

    first = client.get("/c/nhieu/", {"sort": "name"})
    second = client.get("/c/nhieu/", {"sort": "name", "page": 2})

    assert len(product_names(first)) == 48
    assert product_names(second) == ["Hàng 48", "Hàng 49"]
    assert 'href="?sort=name&amp;page=2"' in html(first)
    assert "Trang 2 / 2" in html(second)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"min_price": "abc"}, "Enter a number."),
        ({"max_price": "-5"}, "Ensure this value is greater than or equal to 0."),
        ({"min_price": "1e100"}, "Ensure this value is less than or equal to"),
        ({"sort": "cheapest"}, "Select a valid choice."),
        ({"store": "nowhere"}, "Select a valid choice."),
        ({"category": "nope"}, "Select a valid choice."),
        ({"min_price": "500", "max_price": "100"}, "The highest price is below the lowest price."),
    ],
)
def test_bad_filter_input_is_a_form_error_not_a_500(client, store, params, error):
    response = english(client).get("/", params)

    assert response.status_code == 200
    page = html(response)
    assert 'role="alert"' in page
    assert error in page
    # the rest of the page is still there, unfiltered by the bad input
    assert len(product_names(response)) == 2


def test_a_bad_filter_does_not_drop_the_good_ones(client, store):
    response = client.get("/", {"min_price": "abc", "category": "gia-vi"})

    assert product_names(response) == ["Mắc khén rừng"]


# --- Search -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["thit trau gac bep", "Thịt trâu", "THIT TRAU", "trâu  gác", "buffalo", "trau-500", "TRAU 250"],
)
def test_search_finds_a_product_with_or_without_accents_by_name_or_sku(client, store, query):
    response = client.get("/search/", {"q": query})

    assert response.status_code == 200
    assert product_names(response) == ["Thịt trâu gác bếp"]


def test_every_word_must_match(client, store):
    assert product_names(client.get("/search/", {"q": "thit khen"})) == []
    assert product_names(client.get("/search/", {"q": "mac khen"})) == ["Mắc khén rừng"]


def test_search_page_shows_the_query_and_keeps_it_in_the_header_box(client, store):
    page = html(english(client).get("/search/", {"q": "thit trau"}))

    assert "Results for “thit trau”" in page
    assert 'value="thit trau"' in page
    assert "1 product" in page


def test_an_empty_search_asks_for_words_and_lists_nothing(client, store):
    response = english(client).get("/search/", {"q": "  "})

    assert response.status_code == 200
    assert response.context["page"] is None
    assert "Type a product name" in html(response)


def test_a_misspelled_search_says_what_was_searched_and_suggests_from_the_catalog(client, store):
    # when: "thịt trâu" typed without accents, and one letter wrong
    response = client.get("/search/", {"q": "thit truo"})

    # then: the query, the count, a corrected query and the close product, categories
    page = html(response)
    assert response.status_code == 200
    assert "Không tìm thấy sản phẩm nào cho “thit truo”." in page
    assert '<p class="result-count" role="status">0 sản phẩm</p>' in page
    assert '<a href="/search/?q=thit%20trau">thit trau</a>' in page
    assert '<a href="/p/trau-gac-bep/">Thịt trâu gác bếp</a>' in page
    assert [category.slug for category in response.context["popular_categories"]] == ["gia-vi"]
    assert '<a href="/c/gia-vi/">Gia vị</a>' in page


def test_a_search_far_from_every_name_suggests_no_product(client, store):
    response = client.get("/search/", {"q": "xyz"})

    assert response.context["suggestions"].products == []
    assert "Không tìm thấy sản phẩm nào cho “xyz”." in html(response)


def test_the_header_search_box_is_a_labelled_get_form_on_every_page(client, store):
    page = html(client.get("/p/trau-gac-bep/"))

    assert '<form class="site-search" role="search" action="/search/" method="get">' in page
    assert '<label for="site-search-q"' in page
    assert 'id="site-search-q" name="q"' in page


def test_the_search_text_follows_names_and_skus(store):
    variant_upsert(product=store.pepper, sku="TRAU-1KG", price_amount=Decimal(1))
    product_upsert(slug="trau-gac-bep", name="Thịt trâu Điện Biên", name_en="")

    store.buffalo.refresh_from_db()
    store.pepper.refresh_from_db()
    assert store.buffalo.search_text == "thit trau dien bien tiem trau-250 trau-500"
    assert store.pepper.search_text == "mac khen rung wild mac khen pepper mac-khen-100 trau-1kg"
    # the variant moved to the other product: off this one, on that one
    variant_upsert(product=store.buffalo, sku="TRAU-1KG", price_amount=Decimal(1))
    store.pepper.refresh_from_db()
    assert "trau-1kg" not in store.pepper.search_text


def test_the_migration_fills_the_search_text_of_existing_products(store):
    Product.objects.update(search_text="")
    migration = importlib.import_module("inventory.migrations.0004_product_search_text")

    migration.fill_search_text(apps, None)

    assert set(Product.objects.values_list("slug", "search_text")) == {
        ("trau-gac-bep", "thit trau gac bep smoked buffalo meat tiem trau-250 trau-500"),
        ("mac-khen", "mac khen rung wild mac khen pepper mac-khen-100"),
    }


# --- Product ----------------------------------------------------------------------------


def test_product_page_in_vietnamese(client, store):
    response = client.get("/p/trau-gac-bep/")

    assert response.status_code == 200
    page = html(response)
    assert '<html lang="vi">' in page
    assert "<h1>Thịt trâu gác bếp</h1>" in page
    assert "250.000\u00a0₫" in page
    assert "1.350.000\u00a0₫" in page
    assert "Thịt trâu hun khói bếp củi." in page


def test_product_page_in_english_with_stock_online_and_per_store(client, store):
    page = html(english(client).get("/p/trau-gac-bep/"))

    assert "<h1>Smoked buffalo meat</h1>" in page
    assert "₫1,350,000" in page
    assert '<del><span class="visually-hidden">Was</span> ₫300,000</del>' in page
    # online: 20 + 3 of the small size, 2 of the large
    assert "In stock" in page
    assert "Only 2 left" in page
    # per store
    assert "3 left at Showroom Hàng Giấy" in page
    assert "Pick up today at Showroom Hàng Giấy" in page
    assert "2 left at Cửa hàng Quận 1" in page
    assert "Pick up today at Cửa hàng Quận 1" not in page  # that shop does not hand over
    assert "Kho Long Biên" not in page  # warehouses are not shown to shoppers


def test_a_product_sold_out_online_says_so_and_offers_no_cart_button(client, store):
    page = html(english(client).get("/p/mac-khen/"))

    assert "Sold out" in page
    assert 'action="/cart/add/"' not in page


def test_product_page_forms_post_to_the_cart_and_the_wishlist(client, store):
    guest_page = html(client.get("/p/trau-gac-bep/"))

    assert guest_page.count('action="/cart/add/"') == 2
    assert f'name="variant_id" value="{store.small.pk}"' in guest_page
    assert 'name="next" value="/p/trau-gac-bep/"' in guest_page
    assert '<label for="quantity-' in guest_page
    assert "csrfmiddlewaretoken" in guest_page
    assert "/account/wishlist/toggle/" not in guest_page  # guests have no wishlist
    assert f'<img src="/account/seen/{store.buffalo.pk}/" alt="" width="1" height="1"' in guest_page

    client.force_login(StaffFactory(is_staff=False))
    shopper_page = html(client.get("/p/trau-gac-bep/"))
    assert shopper_page.count('action="/account/wishlist/toggle/"') == 2


def test_adding_to_the_cart_from_the_product_page_comes_back_to_it(client, store):
    response = client.post(
        reverse("shop:cart-add"),
        {"variant_id": store.small.pk, "quantity": 2, "next": "/p/trau-gac-bep/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/p/trau-gac-bep/"
    assert '<span class="cart-count">2</span>' in html(client.get("/p/trau-gac-bep/"))


def test_product_page_shows_approved_reviews_with_verified_badges_and_the_average(client, store):
    review(store.buffalo, 5, verified=True, text="Ngon, đúng vị Tây Bắc.")
    review(store.buffalo, 4, text="Hơi mặn.")
    review(store.buffalo, 1, status=Review.Status.PENDING, text="Chưa duyệt")
    review(store.buffalo, 1, status=Review.Status.REJECTED, text="Bị từ chối")

    page = html(english(client).get("/p/trau-gac-bep/"))

    assert "Ngon, đúng vị Tây Bắc." in page
    assert "Hơi mặn." in page
    assert "Chưa duyệt" not in page
    assert "Bị từ chối" not in page
    assert page.count("Verified purchase") == 1
    assert "4.5 out of 5 (2 reviews)" in page


def test_the_product_page_leads_to_writing_a_review(client, store):
    # a guest is asked to log in first, and comes back to the review form
    guest = html(client.get("/p/trau-gac-bep/"))
    assert f'href="/account/login/?next=/reviews/new/%3Fproduct%3D{store.buffalo.pk}"' in guest

    shopper_with_a_cart(client, store.small)
    shopper = html(client.get("/p/trau-gac-bep/"))
    assert f'href="/reviews/new/?product={store.buffalo.pk}"' in shopper


def test_the_average_rating_is_written_the_vietnamese_way(client, store):
    review(store.buffalo, 5)
    review(store.buffalo, 4)

    response = client.get("/p/trau-gac-bep/")

    assert float(response.context["rating_average"]) == 4.5
    assert "4,5" in html(response)


def test_product_images_have_the_product_name_as_alt_text_and_load_lazily(
    client, store, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    product_image_add(product=store.buffalo, filename="trau.png", content=b"not really a png")

    home = html(english(client).get("/"))
    product = html(english(client).get("/p/trau-gac-bep/"))

    for page in (home, product):
        assert 'alt="Smoked buffalo meat"' in page
        assert 'loading="lazy"' in page
        assert "/media/products/trau" in page


@pytest.mark.parametrize("path", ["/p/no-such-thing/", "/p/hidden/"])
def test_an_unknown_or_hidden_product_is_a_404_page(client, store, path):
    hidden = product_upsert(slug="hidden", name="Ẩn", is_active=False)
    variant_upsert(product=hidden, sku="HIDDEN-1", price_amount=Decimal(1))

    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert 'role="search"' in html(response)  # the store's own page, with its search box


def test_the_store_404_page_shows_even_with_debug_on(client, store, settings):
    # given: DEBUG on, as `make run` has it
    settings.DEBUG = True

    # when
    response = client.get("/p/khong-co/")

    # then: the store's page, not Django's technical one
    assert response.status_code == 404
    assert 'role="search"' in html(response)
    assert "URLconf" not in html(response)


def test_every_page_links_its_favicon(client, store):
    page = html(client.get("/"))

    assert '<link rel="icon" href="/static/tiem/favicon.svg" type="image/svg+xml">' in page
    assert finders.find("tiem/favicon.svg") is not None


def test_the_language_switch_is_one_button_naming_the_language_in_itself(client, store):
    # (Django spells "Tiếng Việt" with combining marks; compared as people read it)
    vietnamese = unicodedata.normalize("NFC", html(client.get("/")))
    english_page = unicodedata.normalize("NFC", html(english(client).get("/")))

    assert (
        '<button type="submit" name="language" value="en" lang="en" class="language-switch">'
        "English</button>"
    ) in vietnamese
    assert (
        '<button type="submit" name="language" value="vi" lang="vi" class="language-switch">'
        "Tiếng Việt</button>"
    ) in english_page
    assert "Tiếng Anh" not in vietnamese


def test_the_pages_answer_get_only(client, store):
    assert client.post("/p/trau-gac-bep/").status_code == 405
    assert client.post("/").status_code == 405


# --- Query counts -----------------------------------------------------------------------


def catalog_of(count: int, category):
    """``count`` products of three variants each, stocked online and at a shop, with an
    image and reviews: everything a page could be tempted to fetch one by one."""
    warehouse = WarehouseFactory()
    shop = LocationFactory()
    channel_selling_from(warehouse, shop, code="web")
    for number in range(count):
        product = ProductFactory(category=category, name=f"Sản phẩm {number:03d}")
        product.images.create(image=f"products/{number}.png", alt="")
        for position in range(3):
            variant = VariantFactory(product=product, position=position)
            stocked(variant, warehouse, 5)
            stocked(variant, shop, 2)
        review(product, 5, verified=True)
        review(product, 3)
    product_search_text_refresh(product_ids=Product.objects.values_list("pk", flat=True))
    return Product.objects.order_by("pk").last()


def queries_of(client, path, budget, assert_max_num_queries) -> int:
    with assert_max_num_queries(budget) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("count", [10, 100])
def test_category_page_queries_stay_flat_as_the_catalog_grows(
    db, client, count, django_assert_max_num_queries
):
    # given: a shopper logged in with a cart, in a catalog of `count` products
    category = CategoryFactory(slug="tat-ca")
    product = catalog_of(count, category)
    shopper_with_a_cart(client, product.variants.first())

    # when: pages of up to 48 products, everything counted
    counts = [
        queries_of(client, path, CATEGORY_PAGE_QUERIES, django_assert_max_num_queries)
        for path in [
            "/",
            "/c/tat-ca/",
            "/c/tat-ca/?in_stock=on&sort=price&min_price=1&store=" + shop_code(),
            "/search/?q=san+pham&sort=name",
        ]
    ]

    # then
    assert client.get("/c/tat-ca/").content.count(b'<li class="card">') == min(count, 48)
    assert client.get("/search/?q=san+pham").content.count(b'<li class="card">') == min(count, 48)
    assert counts == EXPECTED_GRID_QUERIES


@pytest.mark.parametrize("count", [10, 100])
def test_product_page_queries_stay_flat_as_the_catalog_grows(
    db, client, count, django_assert_max_num_queries
):
    category = CategoryFactory(slug="tat-ca")
    product = catalog_of(count, category)
    shopper_with_a_cart(client, product.variants.first())

    queries = queries_of(
        client, f"/p/{product.slug}/", PRODUCT_PAGE_QUERIES, django_assert_max_num_queries
    )

    assert queries == EXPECTED_PRODUCT_QUERIES


def shop_code() -> str:
    return Location.objects.filter(kind=Location.Kind.STORE).values_list("code", flat=True)[0]


# Measured, so a change in either direction is noticed (and the parametrized runs with 10
# and 100 products must agree).
EXPECTED_GRID_QUERIES = [10, 10, 10, 10]
EXPECTED_PRODUCT_QUERIES = 10  # 9, and the delivery fee note (the shipping rules)


# --- The search text outside the services -----------------------------------------------


def test_the_admin_makes_skus_saved_by_its_inlines_searchable(rf, store):
    from django.contrib import admin

    from inventory.admin import ProductAdmin

    VariantFactory(product=store.pepper, sku="MAC-KHEN-500")  # as an inline saves it
    form = SimpleNamespace(instance=store.pepper, save_m2m=lambda: None)

    ProductAdmin(Product, admin.site).save_related(rf.post("/"), form, [], change=True)

    store.pepper.refresh_from_db()
    assert store.pepper.search_text.endswith("mac-khen-100 mac-khen-500")


def test_the_csv_import_makes_its_skus_searchable(store):
    import tablib

    from inventory.resources import CatalogResource

    dataset = tablib.Dataset(
        ["hat-doi", "Hạt dổi rừng", "Wild doi seeds", "gia-vi", "", "HAT-DOI-100", "", "100 g"],
        headers=[
            "product_slug",
            "product_name",
            "product_name_en",
            "category",
            "brand",
            "sku",
            "barcode",
            "name",
        ],
    )
    dataset.append_col(["120000"], header="price_amount")

    result = CatalogResource().import_data(dataset, dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    assert product_names(english(Client()).get("/search/", {"q": "hat doi 100"})) == [
        "Hạt dổi rừng"
    ]


def test_without_a_web_channel_the_store_shows_its_products_sold_out(client, db):
    # given: a catalog but no sales channel of kind web yet
    product = product_upsert(slug="mac-khen", name="Mắc khén rừng", name_en="Wild pepper")
    variant = variant_upsert(product=product, sku="MK-100", price_amount=Decimal(85000))
    stocked(variant, LocationFactory(), 5)

    # when
    home = english(client).get("/")
    page = english(client).get("/p/mac-khen/")
    in_stock = client.get("/", {"in_stock": "on"})

    # then
    assert "Sold out" in html(home)
    assert "Sold out" in html(page)
    assert "5 left at" in html(page)  # the shop still has it on its shelf
    assert product_names(in_stock) == []
