"""A DRF serializer whose instances copy their declared fields instead of rebuilding them.

DRF gives every serializer instance its own field instances (binding a field sets its
name and parent), and makes them with ``copy.deepcopy(self._declared_fields)``, which
re-runs each field's ``__init__`` with deep copies of its arguments, nested serializers
and their fields included. For a till's sale (three nested serializers, some thirty
fields) that was 6 % of the request (docs/performance.md).

:class:`CopiedFieldsSerializer` gives each instance the same unique, unbound fields by a
shallow copy of each declared one: its own ``field_name``, ``parent`` and the rest once
bound, sharing with the declared field only what DRF itself treats as immutable (its
validators, choices, messages and the arguments it was made with). A nested serializer is
copied the same way and builds its own fields when asked; a ``many=True`` one gets a copy
of its child, bound to it. The declared fields are never bound, so copies made by threads
at once share nothing they write.

Use it for input serializers on hot paths whose fields are not changed per instance (a
serializer that edits ``self.fields`` in ``__init__`` still gets its own fields, but
anything it mutates *inside* a field would be shared).
"""

import copy

from rest_framework import serializers


def _copied(field: serializers.Field) -> serializers.Field:
    """A fresh, unbound copy of a declared field."""
    if isinstance(field, serializers.ListSerializer):
        copied = copy.copy(field)
        copied.child = _copied(field.child)
        # The declared child is bound to its list already (no name): the copy, to its copy.
        copied.child.parent = copied
        return copied
    field.validators  # noqa: B018 (built once on the declared field, then shared)
    copied = copy.copy(field)
    copied.__dict__.pop("fields", None)  # a nested serializer builds its own
    return copied


# No docstring: drf-spectacular would give it to every subclass without one as its schema
# description. What it does: the module's docstring.
class CopiedFieldsSerializer(serializers.Serializer):
    def get_fields(self):
        return {name: _copied(field) for name, field in self._declared_fields.items()}
