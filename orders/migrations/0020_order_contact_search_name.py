import unicodedata

from django.db import migrations, models

from config.search_indexes import trigram_index


def _fold(text):
    # A frozen copy of inventory.search.search_fold, so this migration never changes.
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def fill_contact_search_name(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    batch = []
    rows = Order.objects.exclude(contact_name="").only("pk", "contact_name")
    for order in rows.iterator(chunk_size=2000):
        order.contact_search_name = _fold(order.contact_name)
        batch.append(order)
        if len(batch) == 2000:
            Order.objects.bulk_update(batch, ["contact_search_name"])
            batch = []
    if batch:
        Order.objects.bulk_update(batch, ["contact_search_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0019_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="contact_search_name",
            field=models.CharField(blank=True, default="", editable=False, max_length=200),
        ),
        migrations.RunPython(fill_contact_search_name, migrations.RunPython.noop),
        trigram_index(
            table="orders_order", column="contact_search_name", name="orders_order_contact_trgm"
        ),
    ]
