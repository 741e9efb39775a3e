"""Merging two profiles of one person: B's rows, in every app, move to A."""

from collections.abc import Callable

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.db.models import Exists, OuterRef, ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.audit import audit_record
from customers.exceptions import MergeNotAllowed
from customers.locks import customer_rows_lock, customers_lock
from customers.models import Customer, CustomerMerge, Event, MergeSuggestion
from customers.services.events import event_record

# Relations that describe the merge history itself and must keep pointing where they point.
FROZEN_RELATIONS = {
    (CustomerMerge, "source"),
    (CustomerMerge, "target"),
}

# What other apps add to every merge (``customer_merge_step_register``).
MergeStep = Callable[..., Callable[[], None] | None]
_MERGE_STEPS: list[MergeStep] = []


def customer_merge_step_register(step: MergeStep) -> None:
    """Run ``step`` inside every merge's transaction: how an app this one does not import
    keeps figures *about* a customer's rows in step (the sales rollups' customer
    milestones: ``orders.services.rollups.rollup_customers_merging``, registered from
    ``OrdersConfig.ready``). A call, not a signal: the merge calls each step explicitly.

    ``step(target_id=..., source_id=...)`` runs once both profiles are locked and before
    B's rows move, so it can still read which rows were whose; it answers a callable that
    the merge runs as its very last statement (the rows it writes are then locked after
    every other lock of the merge, as the global lock order wants), or ``None``.
    """
    if step not in _MERGE_STEPS:
        _MERGE_STEPS.append(step)


def _customer_foreign_keys() -> list[models.ForeignKey]:
    """Every concrete foreign key, in any installed app, pointing at Customer.

    ``include_hidden`` also finds ``related_name="+"`` keys and many-to-many through tables,
    which is how rows of apps this one does not import (orders, campaigns) are found.
    """
    keys = []
    for relation in Customer._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete):
            continue
        if not (relation.one_to_many or relation.one_to_one):
            continue
        field = relation.field
        model = relation.related_model
        if model._meta.proxy or (model, field.name) in FROZEN_RELATIONS:
            continue
        keys.append(field)
    return sorted(keys, key=lambda field: (field.model._meta.label, field.name))


def _unique_groups(field: models.ForeignKey) -> list[tuple[list[str], Q | None]]:
    """The unique sets of the field's model that contain the field (other fields, condition)."""
    model = field.model
    groups: list[tuple[list[str], Q | None]] = []
    if field.unique:
        groups.append(([], None))
    for fields in model._meta.unique_together:
        if field.name in fields:
            groups.append(([name for name in fields if name != field.name], None))
    for constraint in model._meta.total_unique_constraints + [
        c for c in model._meta.constraints if isinstance(c, models.UniqueConstraint) and c.condition
    ]:
        if constraint.fields and field.name in constraint.fields:
            group = (
                [name for name in constraint.fields if name != field.name],
                constraint.condition,
            )
            if group not in groups:
                groups.append(group)
    return groups


def _collisions(field, source: Customer, target: Customer) -> models.QuerySet:
    """B's rows that would break a unique constraint once pointed at A (A's row is kept)."""
    manager = field.model._base_manager
    clashing = manager.none()
    for others, condition in _unique_groups(field):
        targets = manager.filter(**{field.name: target})
        sources = manager.filter(**{field.name: source})
        if condition is not None:
            targets, sources = targets.filter(condition), sources.filter(condition)
        for name in others:
            targets = targets.filter(**{name: OuterRef(name)})
        clashing = clashing | sources.filter(Exists(targets))
    return clashing


@transaction.atomic
def customer_merge(
    *, target: Customer, source: Customer, actor: AbstractBaseUser | None = None
) -> CustomerMerge:
    """Merge ``source`` (B) into ``target`` (A) and keep B as a tombstone pointing at A.

    Every row of every installed app that references B through a foreign key (orders,
    carts, messages, contact points, consents, events, points, reviews ...) is moved to A.
    Where moving would break a unique constraint (both saved the same variant, both
    reviewed the same product) A's row is kept and B's is dropped; the audit record lists
    what moved and what was dropped. Both profiles are locked for the duration. The
    registered steps (``customer_merge_step_register``) keep other apps' figures right
    in the same transaction: the dashboard's new and returning customers are right as
    soon as the merge commits, without a rebuild.
    """
    if target.pk == source.pk:
        raise MergeNotAllowed()
    # B's rows are rewritten below: lock them before the customers (the global lock order).
    customer_rows_lock(
        fields=[f for f in _customer_foreign_keys() if f.model not in (Customer, MergeSuggestion)],
        customer_id=source.pk,
    )
    locked = customers_lock(customer_ids=[target.pk, source.pk])
    target, source = locked[target.pk], locked[source.pk]
    if target.merged_into_id or source.merged_into_id:
        raise MergeNotAllowed(
            detail=MergeNotAllowed.default_detail, fields={"merged": ["tombstone"]}
        )
    if target.erased_at or source.erased_at:
        raise MergeNotAllowed(fields={"erased": ["erased"]})

    # Each step reads what was A's and what was B's now; writes at the very end.
    finishes = [step(target_id=target.pk, source_id=source.pk) for step in _MERGE_STEPS]
    moved, dropped = _rows_move(target=target, source=source)
    now = timezone.now()
    _suggestions_settle(target=target, source=source, actor=actor, now=now)

    _merge_profile_fields(target=target, source=source)
    source.merged_into = target
    source.merged_at = now
    source.save(update_fields=["merged_into", "merged_at", "user", "updated_at"])

    merge = CustomerMerge.objects.create(
        target=target, source=source, merged_by=actor, moved={"moved": moved, "dropped": dropped}
    )
    event_record(
        customer=target,
        kind=Event.Kind.PROFILE_MERGED,
        payload={"merged_customer_id": source.pk, "merge_id": merge.pk},
    )
    for customer in (target, source):  # the audit trail, on both profiles' pages
        audit_record(
            instance=customer,
            event="customer.merged",
            actor=actor,
            data={"target_id": target.pk, "source_id": source.pk, "merge_id": merge.pk},
        )
    for finish in finishes:
        if finish is not None:
            finish()
    return merge


def _rows_move(*, target: Customer, source: Customer) -> tuple[dict[str, int], dict[str, int]]:
    """Move every row pointing at B to A; drop B's rows that would clash with A's.

    Returns what moved and what was dropped, per ``app.Model.field``.
    """
    moved: dict[str, int] = {}
    dropped: dict[str, int] = {}
    for field in _customer_foreign_keys():
        label = f"{field.model._meta.label}.{field.name}"
        manager = field.model._base_manager
        if field.model is MergeSuggestion:
            continue
        if field.model is Customer:
            # Earlier tombstones of B, customers B referred: now A's. A itself is excluded.
            count = (
                manager.filter(**{field.name: source})
                .exclude(pk=target.pk)
                .update(**{field.name: target})
            )
        else:
            clashing = _collisions(field, source, target)
            clash_ids = list(clashing.values_list("pk", flat=True))
            if clash_ids:
                try:
                    manager.filter(pk__in=clash_ids).delete()
                except ProtectedError:
                    raise MergeNotAllowed(
                        _(
                            "Both profiles have a %(model)s that cannot be combined and that "
                            "other records depend on; resolve it first."
                        )
                        % {"model": field.model._meta.verbose_name}
                    ) from None
                dropped[label] = len(clash_ids)
            count = manager.filter(**{field.name: source}).update(**{field.name: target})
        if count:
            moved[label] = count
    return moved, dropped


def _suggestions_settle(
    *, target: Customer, source: Customer, actor: AbstractBaseUser | None, now
) -> None:
    """Close the suggestions the merge answers; re-point B's other open ones at A."""
    MergeSuggestion.objects.filter(
        Q(customer=source, other=target) | Q(customer=target, other=source),
        status=MergeSuggestion.Status.OPEN,
    ).update(status=MergeSuggestion.Status.MERGED, resolved_at=now, resolved_by=actor)
    # Other open suggestions about B are now about A (or about nothing, if they pair A and B).
    MergeSuggestion.objects.filter(
        Q(customer=source) | Q(other=source), status=MergeSuggestion.Status.OPEN
    ).filter(Q(customer=target) | Q(other=target)).update(
        status=MergeSuggestion.Status.MERGED, resolved_at=now, resolved_by=actor
    )
    for name in ("customer", "other"):
        for suggestion in MergeSuggestion.objects.filter(
            **{name: source}, status=MergeSuggestion.Status.OPEN
        ):
            pair = {
                "customer": suggestion.customer_id,
                "other": suggestion.other_id,
                name: target.pk,
            }
            duplicate = MergeSuggestion.objects.filter(
                Q(customer_id=pair["customer"], other_id=pair["other"])
                | Q(customer_id=pair["other"], other_id=pair["customer"]),
                status=MergeSuggestion.Status.OPEN,
            ).exists()
            if duplicate:
                # A already has this suggestion: B's copy is settled by the merge.
                suggestion.status = MergeSuggestion.Status.MERGED
                suggestion.resolved_at, suggestion.resolved_by = now, actor
                suggestion.save(update_fields=["status", "resolved_at", "resolved_by"])
            else:
                setattr(suggestion, name, target)
                suggestion.save(update_fields=[name])


def _merge_profile_fields(*, target: Customer, source: Customer) -> None:
    """Fill A's blanks from B; A's own values win."""
    changed = []
    for name in ("full_name", "born_on", "first_channel"):
        if not getattr(target, name) and getattr(source, name):
            setattr(target, name, getattr(source, name))
            changed.append(name)
    if not target.referred_by_id and source.referred_by_id not in (None, target.pk):
        target.referred_by_id, target.referred_at = source.referred_by_id, source.referred_at
        changed += ["referred_by", "referred_at"]
    if target.referred_by_id == source.pk:
        # "A was referred by B" means nothing once A and B are one person.
        target.referred_by, target.referred_at = None, None
        changed += ["referred_by", "referred_at"]
    for name in ("addresses", "tags"):
        merged = list(getattr(target, name)) + [
            item for item in getattr(source, name) if item not in getattr(target, name)
        ]
        if merged != getattr(target, name):
            setattr(target, name, merged)
            changed.append(name)
    if source.staff_notes:
        target.staff_notes = "\n\n".join(filter(None, [target.staff_notes, source.staff_notes]))
        changed.append("staff_notes")
    if source.user_id and not target.user_id:
        # The login moves with the person (one-to-one: free B's side first).
        user = source.user
        source.user = None
        source.save(update_fields=["user"])
        target.user = user
        changed.append("user")
    if changed:
        target.save(update_fields=[*set(changed), "updated_at"])


@transaction.atomic
def merge_suggestion_dismiss(
    *, suggestion: MergeSuggestion, actor: AbstractBaseUser | None
) -> None:
    MergeSuggestion.objects.filter(pk=suggestion.pk, status=MergeSuggestion.Status.OPEN).update(
        status=MergeSuggestion.Status.DISMISSED, resolved_at=timezone.now(), resolved_by=actor
    )


@transaction.atomic
def merge_suggestion_accept(
    *, suggestion: MergeSuggestion, actor: AbstractBaseUser | None
) -> CustomerMerge:
    """Merge the suggestion's ``other`` profile into its ``customer``."""
    return customer_merge(target=suggestion.customer, source=suggestion.other, actor=actor)
