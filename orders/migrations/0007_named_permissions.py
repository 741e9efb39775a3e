# Moving orders along from the admin is a named permission, granted per role in config.roles
# to the roles that could change orders before.
from django.db import migrations

from config.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_named_permissions"),
        ("orders", "0006_roles_vouchers"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="order",
            options={
                "ordering": ["-placed_at", "-id"],
                "permissions": [
                    ("fulfil_order", "Can move orders along (confirm, ship, complete, cancel)")
                ],
            },
        ),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
