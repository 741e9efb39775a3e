"""Querysets compiled to SQL once per process, for the few reads every till sale makes.

Building and compiling a queryset costs far more Python than running it: the POS sale's
terminal read spent nine tenths of its time in Django's compiler, one tenth waiting for
PostgreSQL ("The POS sale", docs/performance.md). A :class:`CompiledQuery` builds its
queryset once per database (and per length of its list values) with stand-in values,
keeps the SQL, and runs it again as a raw query with the real values in their places. The
queryset stays the one source of the SQL (any backend, any field added to the model), and
what comes back is the same model instances, with annotations as attributes.

Fit only for a queryset over one model without ``select_related`` (a raw query maps
columns by name; a related row can come along as one JSON annotation, :func:`row_json`)
whose stand-in values reach the SQL as parameters, unchanged (a value used in several
places, say in a subquery too, is replaced in each).
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.functions import JSONObject
from django.db.models.query import RawQuerySet
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
        self._compiled: dict[tuple, tuple[type[Model], str, list, list[tuple]]] = {}

    def run(self, using: str = "default", **values: Any) -> RawQuerySet:
        lists = {name: list(value) for name, value in values.items() if isinstance(value, list)}
        key = (using, *sorted((name, len(value)) for name, value in lists.items()))
        model, sql, params, slots = self._compiled.get(key) or self._compile(key, lists)
        params = list(params)
        for index, name, item in slots:
            params[index] = values[name] if item is None else lists[name][item]
        return model._default_manager.using(using).raw(sql, params)

    def _compile(self, key: tuple, lists: dict[str, list]) -> tuple:
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
        compiled = (queryset.model, sql, params, slots)
        self._compiled[key] = compiled
        return compiled


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
