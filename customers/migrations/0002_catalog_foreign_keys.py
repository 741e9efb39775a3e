# The wishlist and reviews were built beside the catalog, keyed by plain ids; now that the
# catalog exists they become foreign keys on the same columns (variant_id, product_id).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("inventory", "0002_catalog_stock"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="wishlistitem", name="customers_wishlist_unique"),
        migrations.RemoveConstraint(model_name="review", name="customers_review_one_per_product"),
        migrations.RenameField(
            model_name="wishlistitem", old_name="variant_id", new_name="variant"
        ),
        migrations.RenameField(model_name="review", old_name="product_id", new_name="product"),
        migrations.AlterField(
            model_name="wishlistitem",
            name="variant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="wishlisted_by",
                to="inventory.variant",
            ),
        ),
        migrations.AlterField(
            model_name="review",
            name="product",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="reviews",
                to="inventory.product",
            ),
        ),
        migrations.AddConstraint(
            model_name="wishlistitem",
            constraint=models.UniqueConstraint(
                fields=("customer", "variant"), name="customers_wishlist_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="review",
            constraint=models.UniqueConstraint(
                fields=("customer", "product"), name="customers_review_one_per_product"
            ),
        ),
    ]
