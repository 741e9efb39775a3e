"""Indexes for the admin's order search (issue 16): each part of it reads an index."""

from django.db import migrations, models

from config.search_indexes import trigram_index


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0018_monthly_rollups"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["contact_phone"], name="orders_order_contact_phone_idx"),
        ),
        # order_search_condition: icontains on these (PostgreSQL only; SQLite scans).
        *(
            trigram_index(
                table="orders_order", column=column, name=f"orders_order_{column}_trgm", upper=True
            )
            for column in ("number", "external_ref", "contact_name", "contact_email")
        ),
    ]
