"""Indexes for the admin's accent-insensitive search, where the database can use them.

The searched columns hold text already folded (lower case, no accents: see
``inventory.search.search_fold``) and are matched with ``LIKE '%word%'``. A B-tree cannot
serve a pattern that starts with ``%``; PostgreSQL's trigram index (the ``pg_trgm``
extension, trusted since PostgreSQL 13, so the database owner may create it) can. SQLite
has no such index and scans, which at a shop's size is fine, so the migration step does
nothing there.
"""

from django.db import migrations


def trigram_index(
    *, table: str, column: str, name: str, upper: bool = False
) -> migrations.RunPython:
    """A migration step: ``CREATE INDEX name ON table USING gin (column gin_trgm_ops)`` on
    PostgreSQL, nothing elsewhere.

    ``upper``: index ``UPPER(column::text)`` instead, the expression Django's ``icontains``
    compares on PostgreSQL (``UPPER("column"::text) LIKE UPPER('%word%')``), for columns
    that are not folded already.
    """

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        indexed = f"(UPPER({quote(column)}::text))" if upper else quote(column)
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} "
            f"USING gin ({indexed} gin_trgm_ops)"
        )

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    return migrations.RunPython(forwards, backwards, elidable=False)
