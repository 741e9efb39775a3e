from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0020_order_contact_search_name"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["-placed_at", "-id"], name="orders_order_placed_idx"),
        ),
    ]
