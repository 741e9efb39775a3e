"""Querysets compiled to SQL once per process, for the few reads every till sale makes.

Building and compiling a queryset costs far more Python than running it: the POS sale's
terminal read spent nine tenths of its time in Django's compiler, one tenth waiting for
PostgreSQL ("The POS sale", docs/performance.md). A :class:`CompiledQuery` builds its
queryset once per database (and per length of its list values) with stand-in values,
keeps the SQL, and runs it again with the real values in their places, reading the rows as
a raw query would (which column is which field, and its converters, worked out on the first
run). The queryset stays the one source of the SQL (any backend, any field added to the
model), and what comes back is the same model instances, with annotations as attributes.

Fit only for a queryset over one model without ``select_related`` (a raw query maps
columns by name; a related row can come along as one JSON annotation, :func:`row_json`)
whose stand-in values reach the SQL as parameters, unchanged (a value used in several
places, say in a subquery too, is replaced in each). Model fields get their converters;
annotations come as the driver gives them (JSON as text and booleans as 0/1 on SQLite).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.functions import JSONObject
from django.db.models.sql import Query
from django.utils import timezone


class CompiledQuery:
    """``build(**samples)`` compiled once per database alias; ``run(**values)`` runs it with
    ``values`` (the same names) in the samples' places.

    A sample is a value that appears nowhere else among the query's parameters (it is found
    by value). A list value (``sku__in``, say) takes a string sample: the query is compiled
    once per length, with ``sample + "0"``, ``sample + "1"`` … in the list's places.
    """

    def __init__(self, build: Callable[..., QuerySet], **samples: Any):
        self._build = build
        self._samples = samples
        self._compiled: dict[tuple, _Compiled] = {}

    def run(self, using: str = "default", **values: Any) -> list[Model]:
        """The rows as model instances (a raw query's, with annotations as attributes)."""
        compiled, params = self._with(using, values)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            if compiled.reading is None:
                compiled.reading = _Reading.of(compiled.model, cursor.description, connection)
            rows = cursor.fetchall()
        return [compiled.reading.instance(row, using, connection) for row in rows]

    def sql(self, using: str = "default", **values: Any) -> tuple[str, list]:
        """The SQL and parameters ``run`` would send: to read the rows inside a larger
        statement (the columns are named after the fields' columns)."""
        compiled, params = self._with(using, values)
        return compiled.sql, params

    def _with(self, using: str, values: dict[str, Any]) -> tuple["_Compiled", list]:
        lists = {name: list(value) for name, value in values.items() if isinstance(value, list)}
        key = (using, *sorted((name, len(value)) for name, value in lists.items()))
        compiled = self._compiled.get(key) or self._compile(key, lists)
        params = list(compiled.params)
        for index, name, item in compiled.slots:
            params[index] = values[name] if item is None else lists[name][item]
        return compiled, params

    def _compile(self, key: tuple, lists: dict[str, list]) -> "_Compiled":
        using = key[0]
        samples = {
            name: [f"{sample}{item}" for item in range(len(lists[name]))]
            if name in lists
            else sample
            for name, sample in self._samples.items()
        }
        queryset = self._build(**samples).using(using)
        if queryset.query.select_related:
            raise ValueError("A compiled query maps columns by name: no select_related.")
        sql, params = queryset.query.get_compiler(connection=connections[using]).as_sql()
        params = list(params)
        slots = []
        for name, sample in samples.items():
            for item, value in enumerate(sample) if name in lists else [(None, sample)]:
                found = [(index, name, item) for index, p in enumerate(params) if p == value]
                if not found:
                    raise ValueError(f"The sample for {name!r} does not reach the SQL unchanged.")
                slots += found
        compiled = _Compiled(queryset.model, sql, params, slots)
        self._compiled[key] = compiled
        return compiled


@dataclass
class _Compiled:
    model: type[Model]
    sql: str
    params: list
    slots: list[tuple[int, str, int | None]]  # (parameter index, value name, list item)
    reading: "_Reading | None" = None  # how a row becomes an instance, from the first run


@dataclass(frozen=True)
class _Reading:
    """What Django's ``RawModelIterable`` works out for every query (which column is which
    field, their converters, the annotations), worked out once for a compiled one."""

    model: type[Model]
    names: list[str]
    positions: list[int]
    annotations: list[tuple[str, int]]
    converters: dict[int, tuple[list, Any]]

    @classmethod
    def of(cls, model: type[Model], description, connection) -> "_Reading":
        columns = [column[0] for column in description]
        by_column = {field.column: field for field in model._meta.concrete_fields}
        fields = [field for field in model._meta.concrete_fields if field.column in columns]
        compiler = connection.ops.compiler("SQLCompiler")(Query(model), connection, None)
        cols = [
            by_column[column].get_col(model._meta.db_table) if column in by_column else None
            for column in columns
        ]
        return cls(
            model=model,
            names=[field.attname for field in fields],
            positions=[columns.index(field.column) for field in fields],
            annotations=[(c, i) for i, c in enumerate(columns) if c not in by_column],
            converters=compiler.get_converters(cols),
        )

    def instance(self, row: tuple, using: str, connection) -> Model:
        if self.converters:
            row = list(row)
            for position, (converters, expression) in self.converters.items():
                for converter in converters:
                    row[position] = converter(row[position], expression, connection)
        instance = self.model.from_db(using, self.names, [row[p] for p in self.positions])
        for column, position in self.annotations:
            setattr(instance, column, row[position])
        return instance


def row_json(model: type[Model], prefix: str = "") -> JSONObject:
    """The row of ``model`` (reached through ``prefix``, say ``"location__"``) as one JSON
    object: a related row read with a compiled query; :func:`row_instance` makes it a model
    instance."""
    return JSONObject(
        **{field.attname: prefix + field.attname for field in model._meta.concrete_fields}
    )


def row_instance(model: type[Model], row: dict | str, using: str = "default") -> Model:
    """The instance of ``model`` that :func:`row_json` read (JSON text on SQLite)."""
    if isinstance(row, str):
        row = json.loads(row)
    fields = model._meta.concrete_fields
    return model.from_db(
        using,
        [field.attname for field in fields],
        [_from_json(field, row[field.attname]) for field in fields],
    )


def _from_json(field, value):
    value = field.to_python(value)
    if isinstance(value, datetime) and timezone.is_naive(value):  # SQLite's text
        value = timezone.make_aware(value, UTC)
    return value
