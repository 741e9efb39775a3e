import unicodedata

from django.db import migrations, models


def _fold(text):
    # A frozen copy of inventory.search.search_fold, so this migration never changes.
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def fill_search_text(apps, schema_editor):
    Product = apps.get_model("inventory", "Product")
    Variant = apps.get_model("inventory", "Variant")
    skus = {}
    for product_id, sku in Variant.objects.values_list("product_id", "sku").iterator():
        skus.setdefault(product_id, []).append(sku)
    batch = []
    for product in Product.objects.order_by("pk").iterator(chunk_size=1000):
        product.search_text = _fold(
            " ".join([product.name, product.name_en, product.brand, *sorted(skus.get(product.pk, []))])
        )
        batch.append(product)
        if len(batch) == 1000:
            Product.objects.bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        Product.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0003_variant_updated_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="search_text",
            field=models.TextField(
                blank=True,
                default="",
                editable=False,
                help_text="Names, brand and SKUs without accents, for the store's search; kept by the catalog services.",
            ),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
    ]
