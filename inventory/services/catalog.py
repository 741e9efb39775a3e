"""Catalog writes: categories, products, variants, images."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from inventory.exceptions import InvalidBarcode, InventoryError
from inventory.models import Category, Product, ProductImage, Variant, gtin_checksum_is_valid
from inventory.search import search_text_for
from inventory.store_cache import store_catalog_changed


def _validated(instance, *, exclude=None):
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        raise InventoryError(
            _("Some fields are not valid; see fields."),
            fields={
                key: [str(m) for m in messages] for key, messages in error.message_dict.items()
            },
        ) from None
    return instance


@transaction.atomic
def category_upsert(
    *, slug: str, name: str, name_en: str = "", parent: Category | None = None, position: int = 0
) -> Category:
    category, _created = Category.objects.update_or_create(
        slug=slug,
        defaults={"name": name, "name_en": name_en, "parent": parent, "position": position},
    )
    store_catalog_changed()
    return _validated(category)


@transaction.atomic
def product_upsert(*, slug: str, name: str, **fields) -> Product:
    """Create the product with this slug or update the given fields (safe to call again)."""
    product = Product.objects.filter(slug=slug).first() or Product(slug=slug)
    product.name = name
    for key, value in fields.items():
        setattr(product, key, value)
    _validated(product, exclude=["slug"] if product.pk else None)
    skus = product.variants.values_list("sku", flat=True) if product.pk else []
    product.search_text = search_text_for(
        name=product.name, name_en=product.name_en, brand=product.brand, skus=skus
    )
    product.save()
    store_catalog_changed()
    return product


def product_search_text_refresh(*, product_ids) -> int:
    """Recompute the search text of these products from their names, brand and SKUs.

    For writes that do not go through :func:`product_upsert` / :func:`variant_upsert`
    (the admin's inlines, the CSV import). Two reads and one bulk update, however many.
    Those writes changed what the store shows: its cached pages are stale from the commit."""
    store_catalog_changed()
    products = list(Product.objects.filter(pk__in=list(product_ids)).order_by("pk"))
    skus: dict[int, list[str]] = {}
    for product_id, sku in Variant.objects.filter(product__in=products).values_list(
        "product_id", "sku"
    ):
        skus.setdefault(product_id, []).append(sku)
    for product in products:
        product.search_text = search_text_for(
            name=product.name,
            name_en=product.name_en,
            brand=product.brand,
            skus=skus.get(product.pk, []),
        )
    # update_fields: the search text only; updated_at stays the time of the last real edit.
    return Product.objects.bulk_update(products, ["search_text"], batch_size=500)


@transaction.atomic
def variant_upsert(
    *,
    product: Product,
    sku: str,
    price_amount: Decimal,
    barcode: str | None = None,
    **fields,
) -> Variant:
    """Create the variant with this SKU or update it. The barcode must be a valid EAN-13 or
    UPC-A (check digit included) and belong to no other variant."""
    barcode = (barcode or "").strip() or None
    if barcode is not None and not gtin_checksum_is_valid(barcode):
        raise InvalidBarcode(
            _("%(barcode)s is not a valid EAN-13 or UPC-A barcode.") % {"barcode": barcode},
            fields={"barcode": [str(InvalidBarcode.default_detail)]},
        )
    variant = Variant.objects.filter(sku=sku).first() or Variant(sku=sku)
    moved_from = variant.product_id if variant.pk and variant.product_id != product.pk else None
    variant.product = product
    variant.barcode = barcode
    variant.price_amount = Decimal(price_amount)
    for key, value in fields.items():
        setattr(variant, key, value)
    _validated(variant)
    variant.save()
    # The SKU is searchable on its product (and no longer on the one it left).
    product_search_text_refresh(product_ids=[product.pk, *([moved_from] if moved_from else [])])
    return variant


@transaction.atomic
def product_image_add(
    *, product: Product, filename: str, content: bytes, alt: str = "", position: int = 0
) -> ProductImage:
    image = ProductImage(product=product, alt=alt, position=position)
    image.image.save(filename, ContentFile(content), save=False)
    image.save()
    store_catalog_changed()
    return image
