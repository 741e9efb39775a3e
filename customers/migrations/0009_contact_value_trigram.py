"""The customer search's part-of-a-contact match (``value`` icontains) from a trigram index
(PostgreSQL only; issue 16): the admin's order and customer searches read it for any term
that is not a whole phone or email."""

from django.db import migrations

from config.search_indexes import trigram_index


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0008_customer_search_name"),
    ]

    operations = [
        trigram_index(
            table="customers_contactpoint",
            column="value",
            name="customers_contact_value_trgm",
            upper=True,
        ),
    ]
