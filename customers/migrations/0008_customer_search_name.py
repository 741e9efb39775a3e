import unicodedata

from django.db import migrations, models

from config.search_indexes import trigram_index


def _fold(text):
    # A frozen copy of inventory.search.search_fold, so this migration never changes.
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def fill_search_name(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    batch = []
    for customer in (
        Customer.objects.exclude(full_name="").only("pk", "full_name").iterator(chunk_size=1000)
    ):
        customer.search_name = _fold(customer.full_name)
        batch.append(customer)
        if len(batch) == 1000:
            Customer.objects.bulk_update(batch, ["search_name"])
            batch = []
    if batch:
        Customer.objects.bulk_update(batch, ["search_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_event_referral_rewarded"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="search_name",
            field=models.CharField(blank=True, default="", editable=False, max_length=200),
        ),
        migrations.RunPython(fill_search_name, migrations.RunPython.noop),
        trigram_index(
            table="customers_customer", column="search_name", name="customers_cust_name_trgm"
        ),
    ]
