# Vouchers belong to marketing: marketers manage them, cashiers only read them.
from django.db import migrations

from config.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_order_stock_reference"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
