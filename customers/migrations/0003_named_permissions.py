# Merging, exporting and erasing a customer are named permissions, granted per role in
# config.roles (export and erasure stay the owner's).
from django.db import migrations

from config.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_catalog_foreign_keys"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="customer",
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [
                    ("merge_customer", "Can merge customer profiles"),
                    ("export_customer", "Can export a customer's personal data"),
                    ("erase_customer", "Can erase a customer's personal data"),
                ],
            },
        ),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
