"""New rows of several tables written in one statement: one round trip where there were many.

A till sale writes its order, the order's lines, its payments, the customer's points and two
timeline events: five INSERTs, each a round trip and each Django's whole
``bulk_create``/``save`` machinery. :func:`rows_insert` writes them as one statement on
PostgreSQL, each INSERT a data-modifying ``WITH`` part, and gives every instance its new
primary key, as ``bulk_create`` does. Elsewhere (SQLite) it is ``bulk_create`` per model.

The values are prepared as Django's insert compiler prepares them: field defaults,
``auto_now_add``, database defaults and every value's conversion are the ORM's. Instances
of one model keep their order: their keys are read back sorted, and a multi-row INSERT
numbers its rows in order.
No signal is sent, as with ``bulk_create``.
"""

import functools
from collections.abc import Sequence

from django.db import connection
from django.db.models import Model
from django.db.models.expressions import DatabaseDefault
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
        sql, batch_params = _insert(batch)
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


def _insert(batch: list[Model]) -> tuple[str, list]:
    """The batch's ``INSERT … RETURNING pk`` with its parameters.

    For rows of plain values (the usual case) the values are prepared as Django's insert
    compiler prepares them (``pre_save``, then ``get_db_prep_save``) and the SQL text, which
    depends only on the model, the columns and the number of rows, is built once per
    process. A row holding an expression (or a field with its own placeholder) goes
    through the compiler itself. A database default left unset in every row is left to the
    database (the column is not named).
    """
    model = type(batch[0])
    meta = model._meta
    fields = [
        field
        for field in meta.concrete_fields
        if (batch[0].pk is not None or not field.primary_key)
        and not all(isinstance(getattr(row, field.attname), DatabaseDefault) for row in batch)
    ]
    values = [[field.pre_save(row, True) for field in fields] for row in batch]
    if any(hasattr(field, "get_placeholder") for field in fields) or any(
        hasattr(value, "resolve_expression") for row in values for value in row
    ):
        insert = InsertQuery(model)
        insert.insert_values(fields, batch)
        compiler = insert.get_compiler(connection=connection)
        compiler.returning_fields = [meta.pk]
        [(sql, params)] = compiler.as_sql()
        return sql, params
    params = [
        field.get_db_prep_save(value, connection)
        for row in values
        for field, value in zip(fields, row, strict=True)
    ]
    return _insert_sql(model, tuple(field.column for field in fields), len(batch)), params


@functools.cache
def _insert_sql(model: type[Model], columns: tuple[str, ...], rows: int) -> str:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # Names from the model's meta only; every value is a parameter.
    return (
        f"INSERT INTO {table} ({', '.join(quote(column) for column in columns)}) "  # noqa: S608
        f"VALUES {', '.join([row] * rows)} RETURNING {table}.{quote(model._meta.pk.column)}"
    )
