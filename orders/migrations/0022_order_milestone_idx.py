from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0021_order_placed_idx"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                fields=["customer", "channel", "id"], name="orders_order_milestone_idx"
            ),
        ),
    ]
