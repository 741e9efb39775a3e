"""The audit trail: who did what, when and from where (django-auditlog).

Why django-auditlog rather than django-simple-history: the trail is one append-only table
(``auditlog.LogEntry``: object, action, changed fields old → new, actor, remote address,
time) instead of a shadow table per model holding a full copy of every row. One table is
what the admin searches, what the erasure scrubs (a shadow copy of an order would hold the
shopper's name and address again, in a dozen tables), and what records a service's act that
is not a row's save (a merge, an export, an erasure). simple-history's admin also offers
"revert", which is a change: not append-only.

* **Registered models** say which fields are tracked (``audit_register`` from each app's
  ``AppConfig.ready``); only those fields' old → new values are kept, so the trail holds no
  more personal data than it needs.
* **Acts that are not a save** (a merge, an export, an erasure, consent changed by staff)
  are written by their service with :func:`audit_record`, naming the actor.
* **From where**: :class:`AuditMiddleware` puts the request's user and address on every
  entry written during the request; the address is read as the login throttle reads it
  (``TRUSTED_PROXY_COUNT``), so a client cannot choose it with ``X-Forwarded-For``. A
  request authenticated inside its view (a POS terminal's token, by DRF) has no user yet
  when the middleware runs: the credential it authenticated with (``request.auth``) names
  its actor as ``audit_actor``, read only if the request writes an entry.
* **Append-only**: the admin (``config/audit_admin.py``) adds, changes and deletes nothing,
  superusers included. Only :func:`audit_entries_scrub` (the erasure) rewrites rows, and only
  their personal values.

Entries are written by auditlog's model signals; that is bookkeeping, not business logic
(DESIGN: no signal carries business logic), and it happens inside the saving transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import ExitStack
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlencode

from auditlog.context import disable_auditlog
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import pre_log
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

Action = LogEntry.Action


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware, with the client's address read behind our trusted proxies."""

    @staticmethod
    def _get_remote_addr(request):
        # The N-th address from the right of X-Forwarded-For behind N proxies: the ones
        # further left are whatever the client sent (customers.login_throttle, same rule).
        proxies = settings.TRUSTED_PROXY_COUNT
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if proxies and len(forwarded) >= proxies:
            return forwarded[-proxies]
        return request.META.get("REMOTE_ADDR") or None

    @staticmethod
    def _get_remote_port(request):
        return None

    def get_extra_data(self, request):
        context = super().get_extra_data(request)
        if context["actor"] is None:
            # Looked up when an entry is written, after the view's authentication ran; a
            # request that writes none pays nothing.
            context["actor"] = SimpleLazyObject(lambda: _credential_actor(request))
        return context


def _credential_actor(request):
    """The actor the request's API credential names (``request.auth.audit_actor``: the
    cashier on a POS terminal's open shift), or None."""
    actor = getattr(getattr(request, "auth", None), "audit_actor", None)
    return actor() if callable(actor) else None


def audit_register(
    model: type[models.Model],
    *,
    fields: Iterable[str],
    m2m_fields: Iterable[str] = (),
    on_create: bool = True,
) -> None:
    """Track changes of these fields of ``model``: its creation (unless ``on_create`` is
    false: an order's first status is not a move), each change, its deletion."""
    if auditlog.contains(model):
        return
    # auditlog reads the stored row before every save to diff it; a save whose
    # update_fields name no tracked field cannot change one: skip that query. Its receiver
    # is left as auditlog connects it; ours pause the trail just around it (a signal calls
    # its receivers in the order they were connected: ours, auditlog's, ours).
    pre_save.connect(_untracked_update_pause, sender=model, dispatch_uid=("config.audit", model))
    auditlog.register(model, include_fields=list(fields), m2m_fields=set(m2m_fields))
    pre_save.connect(
        _untracked_update_resume, sender=model, dispatch_uid=("config.audit.resume", model)
    )
    if not on_create:
        _NOT_ON_CREATE.add(model)


_NOT_ON_CREATE: set[type[models.Model]] = set()
# The trail paused for the save being signalled (auditlog's public ``disable_auditlog``).
_paused: ContextVar[ExitStack | None] = ContextVar("config_audit_paused", default=None)


def _untracked_update_pause(sender, instance, update_fields=None, **kwargs):
    _untracked_update_resume(sender)  # none is left open; should one be, never stack them
    if update_fields is None:
        return
    tracked = set(auditlog.get_model_fields(sender)["include_fields"])
    tracked |= {f"{name}_id" for name in tracked}  # update_fields may name "location_id"
    if not tracked.intersection(update_fields):
        pause = ExitStack()
        pause.enter_context(disable_auditlog())
        _paused.set(pause)


def _untracked_update_resume(sender, **kwargs):
    pause = _paused.get()
    if pause is not None:
        _paused.set(None)
        pause.close()


@receiver(pre_log)
def _skip_creation(sender, action, **kwargs):
    if action == Action.CREATE and sender in _NOT_ON_CREATE:
        return False
    return None


def audit_is_tracked(model: type[models.Model]) -> bool:
    return auditlog.contains(model)


def audit_tracked_models() -> list[type[models.Model]]:
    return auditlog.get_models()


# Records kept elsewhere that belong to an object's trail (the stock ledger of a variant),
# shown as links on its trail page: model -> [(label, admin URL name, params of the object)].
_RELATED: dict[type[models.Model], list[tuple[Any, str, Callable]]] = {}


def audit_related(
    model: type[models.Model], *, label, url_name: str, params: Callable[[Any], dict]
) -> None:
    """Link another record (a ledger's list, filtered by ``params(obj)``) from the trail."""
    _RELATED.setdefault(model, []).append((label, url_name, params))


def audit_related_links(obj: models.Model) -> list[tuple[Any, str]]:
    return [
        (label, f"{reverse(url_name)}?{urlencode(params(obj))}")
        for label, url_name, params in _RELATED.get(type(obj), [])
    ]


def audit_record(
    *,
    instance: models.Model,
    event: str,
    actor=None,
    action: int = Action.UPDATE,
    data: dict[str, Any] | None = None,
) -> LogEntry:
    """Write one entry for an act on ``instance`` that is not a save of it (``event``:
    ``customer.merged``, ``customer.exported`` …), in the caller's transaction.

    ``data`` holds ids and codes, never a name, phone or email: the entry outlives them.
    Within a request the middleware adds the address (and the actor, if none is named).
    """
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return LogEntry.objects.log_create(
        instance,
        force_log=True,
        action=action,
        changes={},
        actor=actor,
        actor_email=getattr(actor, "email", None) or None,
        additional_data={"event": event, **(data or {})},
    )


def audit_entries_for(instance: models.Model):
    """The entries of one object, newest first, with their actor."""
    return (
        LogEntry.objects.get_for_object(instance)
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )


def audit_entries_scrub(
    *,
    wipe: dict[type[models.Model], list],
    scrub: dict[type[models.Model], list],
    actor_ids: Iterable[int],
    clean: Callable[[Any], Any],
    placeholder: str,
) -> int:
    """Take a person's data out of the trail (the erasure); what was done, when, stays.

    ``wipe``: objects that *are* the person (their profile, their login): every recorded
    value and their name become ``placeholder``. ``scrub``: the person's other objects
    (orders …): values go through ``clean``. Entries the person wrote themselves
    (``actor_ids``) lose the address and email they were written from. The entries are
    read by object and by actor, from the trail's indexes (the caller names every object
    whose entries may hold the person's data: see customers.services.data_rights), never
    by searching all of them. Written with ``update``/``bulk_update``: no signal, so the
    erasure does not stamp itself as their actor.
    """
    LogEntry.objects.filter(actor_id__in=list(actor_ids)).update(
        actor_email=None, remote_addr=None, remote_port=None
    )
    wiped = {
        (ContentType.objects.get_for_model(model).pk, str(pk))
        for model, pks in wipe.items()
        for pk in pks
    }
    objects = {model: list(pks) for model, pks in scrub.items()}
    for model, pks in wipe.items():
        objects.setdefault(model, []).extend(pks)
    batch = []
    for entry in audit_entries_of(objects).iterator(500):
        if (entry.content_type_id, entry.object_pk) in wiped:
            entry.object_repr = placeholder
            entry.changes = _wiped(entry.changes, placeholder)
        else:
            entry.object_repr = clean(entry.object_repr)
            entry.changes = clean(entry.changes)
        entry.additional_data = clean(entry.additional_data)
        entry.changes_text = ""
        entry.serialized_data = None
        batch.append(entry)
    fields = ["object_repr", "changes", "additional_data", "changes_text", "serialized_data"]
    LogEntry.objects.bulk_update(batch, fields, batch_size=500)
    return len(batch)


def audit_entries_of(objects: dict[type[models.Model], list]):
    """The entries of these objects (model -> pks), by content type and object pk: an
    index read however long the trail."""
    q = Q(pk__in=[])
    for model, pks in objects.items():
        if pks:
            content_type = ContentType.objects.get_for_model(model)
            q |= Q(content_type=content_type, object_pk__in=[str(pk) for pk in pks])
    return LogEntry.objects.filter(q).only(
        "pk", "content_type_id", "object_pk", "object_repr", "changes", "additional_data"
    )


def _wiped(changes, placeholder):
    """Every recorded value replaced; which fields changed stays."""
    if not isinstance(changes, dict):
        return changes
    out = {}
    for field, values in changes.items():
        if isinstance(values, list):
            out[field] = [None if value in (None, "None") else placeholder for value in values]
        elif isinstance(values, dict):  # a many-to-many change: {"type", "operation", "objects"}
            out[field] = {**values, "objects": [placeholder for _ in values.get("objects", [])]}
        else:
            out[field] = placeholder
    return out
