import unicodedata

from django.db import migrations, models


def _fold(text):
    # A frozen copy of inventory.search.search_fold, so this migration never changes.
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def fill_search_name(apps, schema_editor):
    Supplier = apps.get_model("inventory", "Supplier")
    suppliers = list(Supplier.objects.only("pk", "name"))
    for supplier in suppliers:
        supplier.search_name = _fold(supplier.name)
    Supplier.objects.bulk_update(suppliers, ["search_name"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0010_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="supplier",
            name="search_name",
            field=models.CharField(blank=True, default="", editable=False, max_length=200),
        ),
        migrations.RunPython(fill_search_name, migrations.RunPython.noop),
    ]
