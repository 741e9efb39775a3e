"""New rows of several tables written in one statement: one round trip where there were many.

A till sale writes its order, the order's lines, its payments, the customer's points and two
timeline events: five INSERTs, each a round trip and each Django's whole
``bulk_create``/``save`` machinery. :func:`rows_insert` writes them as one statement on
PostgreSQL, each INSERT a data-modifying ``WITH`` part, and gives every instance its new
primary key, as ``bulk_create`` does. Elsewhere (SQLite) it is ``bulk_create`` per model.

The values are prepared as Django's insert compiler prepares them: field defaults,
``auto_now_add``, database defaults and every value's conversion are the ORM's; a batch's
rows travel as one ``jsonb`` parameter. Instances of one model keep their order: their keys
are read back sorted, and the INSERT numbers the rows in the order it reads them.
No signal is sent, as with ``bulk_create``.
"""

import functools
import json
import math
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from uuid import UUID

from django.db import connection
from django.db.models import Model
from django.db.models.expressions import DatabaseDefault
from django.db.models.sql import InsertQuery
from psycopg.types.json import Jsonb


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
    compiler prepares them (``pre_save``, then ``get_db_prep_save``) and travel as ONE
    ``jsonb`` parameter, read back into the table's own row type
    (``jsonb_populate_recordset``: each column's own input, so a text too long for its
    column still fails). The SQL text depends only on the model and the columns: it is
    built once per process and the driver converts it once, where a VALUES list of a few
    hundred parameters was split at every sale. A row holding an expression, a field with
    its own placeholder or a value JSON cannot carry exactly goes through the compiler
    itself. A database default left unset in every row is left to the database (the
    column is not named).
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
    plain = not any(hasattr(field, "get_placeholder") for field in fields) and not any(
        hasattr(value, "resolve_expression") for row in values for value in row
    )
    if plain:
        columns = tuple(field.column for field in fields)
        try:
            document = [
                {
                    column: json_value(field.get_db_prep_save(value, connection))
                    for column, field, value in zip(columns, fields, row, strict=True)
                }
                for row in values
            ]
        except NotJson:
            pass
        else:
            return _insert_sql(model, columns), [json.dumps(document)]
    insert = InsertQuery(model)
    insert.insert_values(fields, batch)
    compiler = insert.get_compiler(connection=connection)
    compiler.returning_fields = [meta.pk]
    [(sql, params)] = compiler.as_sql()
    return sql, params


class NotJson(TypeError):
    """A prepared value JSON cannot carry exactly."""


def json_value(value):
    """A value as prepared for PostgreSQL (``get_db_prep_save``), as the JSON its column's
    input reads back exactly (``jsonb_populate_recordset``, or ``->>`` and a cast); NotJson
    for any other (an array, bytes, a float that is not finite). A row with one goes
    through Django's compiler here; ``campaigns.services.rows`` refuses it."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, Jsonb):  # a JSONField's: its own encoder's text, as a JSON value
        return json.loads(value.dumps(value.obj))
    raise NotJson(f"JSON cannot carry a {type(value).__name__} value exactly.")


@functools.cache
def _insert_sql(model: type[Model], columns: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    # Names from the model's meta only; every value is in the one parameter.
    return (
        f"INSERT INTO {table} ({names}) SELECT {names} "  # noqa: S608
        f"FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb) "
        f"RETURNING {table}.{quote(model._meta.pk.column)}"
    )
