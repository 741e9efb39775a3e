"""New rows of several tables written in one statement: one round trip where there were many.

A till sale writes, after its order, the order's lines, its payments, the customer's points
and two timeline events: four INSERTs, each a round trip and each Django's whole
``bulk_create``/``save`` machinery. :func:`rows_insert` writes them as one statement on
PostgreSQL, each INSERT a data-modifying ``WITH`` part, and gives every instance its new
primary key, as ``bulk_create`` does. Elsewhere (SQLite) it is ``bulk_create`` per model.

The INSERTs are Django's own (``InsertQuery``): field defaults, ``auto_now_add``, database
defaults and every value's conversion are the ORM's. Instances of one model keep their
order: their keys are read back sorted, and a multi-row INSERT numbers its rows in order.
No signal is sent, as with ``bulk_create``.
"""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model
from django.db.models.sql import InsertQuery


def rows_insert(*batches: Sequence[Model]) -> None:
    """Insert each batch (unsaved instances of one model; empty ones are skipped), in the
    caller's transaction, and set their primary keys (a batch whose rows all have one
    keeps them)."""
    batches = [list(batch) for batch in batches if batch]
    if not batches:
        return
    for batch in batches:
        # Keys given (an id drawn beforehand) are written, as bulk_create writes them.
        if len({instance.pk is None for instance in batch}) > 1:
            raise ValueError(f"{type(batch[0]).__name__}: give every row its key, or none.")
    if connection.vendor != "postgresql":
        for batch in batches:
            type(batch[0])._default_manager.bulk_create(batch)
        return
    parts, params = [], []
    for index, batch in enumerate(batches):
        model = type(batch[0])
        meta = model._meta
        insert = InsertQuery(model)
        insert.insert_values(
            [f for f in meta.concrete_fields if batch[0].pk is not None or not f.primary_key],
            batch,
        )
        compiler = insert.get_compiler(connection=connection)
        compiler.returning_fields = [meta.pk]
        [(sql, batch_params)] = compiler.as_sql()
        parts.append(f"i{index} AS ({sql})")
        params += batch_params
    # Each part's RETURNING has one column, its key; only Django's own SQL is formatted in.
    keys = ", ".join(
        f"ARRAY(SELECT * FROM i{index} ORDER BY 1)"  # noqa: S608
        for index in range(len(batches))
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT {keys}", params)
        row = cursor.fetchone()
    for batch, ids in zip(batches, row, strict=True):
        for instance, key in zip(batch, ids, strict=True):
            instance.pk = key
            instance._state.adding = False
            instance._state.db = connection.alias
