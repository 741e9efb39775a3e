"""Indexes for the till's product look-up (issue 16): SKUs in any case, names anywhere."""

import django.db.models.functions.text
from django.db import migrations, models

from config.search_indexes import trigram_index


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0009_goods_receipts"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="variant",
            index=models.Index(
                django.db.models.functions.text.Upper("sku"), name="inventory_variant_skuupper_idx"
            ),
        ),
        # ProductSearchFilter.search: name__icontains / name_en__icontains (PostgreSQL only).
        trigram_index(
            table="inventory_product", column="name", name="inventory_product_name_trgm", upper=True
        ),
        trigram_index(
            table="inventory_product",
            column="name_en",
            name="inventory_product_name_en_trgm",
            upper=True,
        ),
    ]
