"""The shopper's rights over their data: a full export, and erasure."""

import json

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from config.audit import (
    Action,
    audit_entries_scrub,
    audit_is_tracked,
    audit_record,
    audit_tracked_models,
)
from config.logs import EMAIL, PHONE
from customers.exceptions import CustomerErased
from customers.locks import customers_lock
from customers.models import ContactPoint, Customer, Event, MergeSuggestion
from customers.selectors import loyalty_balance
from customers.services.events import event_record
from customers.services.merge import _customer_foreign_keys

ERASED = "[erased]"
# Payload keys that hold personal data whatever their value looks like.
PERSONAL_KEYS = frozenset(
    {
        "email",
        "phone",
        "name",
        "full_name",
        "first_name",
        "last_name",
        "address",
        "addresses",
        "shipping_address",
        "billing_address",
        "contact",
        "ip",
        "ip_address",
        "user_agent",
        "note",
        "notes",
    }
)
PROFILE_FIELDS = [
    "id",
    "full_name",
    "preferred_language",
    "born_on",
    "addresses",
    "tags",
    "staff_notes",
    "first_channel_id",
    "referral_code",
    "referred_by_id",
    "referred_at",
    "merged_into_id",
    "merged_at",
    "erased_at",
    "created_at",
    "updated_at",
]


def _plain(value):
    """JSON-ready copy (Decimals and dates as strings)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def customer_export(*, customer: Customer, actor: AbstractBaseUser | None = None) -> dict:
    """Everything held about the customer, as one JSON-ready document.

    Rows of other apps that reference the customer (orders, carts, messages ...) are
    found through the model relations, like the merge does, and exported field by field.
    The export is written to the audit trail (who, when, from where).
    """
    customer = Customer.objects.get(pk=customer.pk)
    audit_record(instance=customer, event="customer.exported", actor=actor, action=Action.ACCESS)
    document = {
        "format": "tiem.customer-export/1",
        "exported_at": timezone.now(),
        "customer": {name: getattr(customer, name) for name in PROFILE_FIELDS},
        "login": {"has_account": bool(customer.user_id)},
        "contact_points": list(
            customer.contact_points.values(
                "kind", "value", "channel_id", "is_verified", "created_at"
            )
        ),
        "consents": list(
            customer.consents.order_by("recorded_at", "id").values(
                "channel",
                "purpose",
                "granted",
                "recorded_at",
                "source",
                "source_ref",
                "actor",
                "wording_version",
            )
        ),
        "events": list(
            customer.events.order_by("occurred_at", "id").values(
                "id", "kind", "channel_id", "location_id", "occurred_at", "payload"
            )
        ),
        "loyalty": {
            "balance": loyalty_balance(customer=customer),
            "entries": list(
                customer.loyalty_entries.order_by("created_at", "id").values(
                    "kind", "points", "reference", "note", "created_at"
                )
            ),
        },
        "wishlist": list(customer.wishlist_items.values("variant_id", "created_at")),
        "reviews": list(
            customer.reviews.values(
                "product_id", "rating", "text", "is_verified_purchase", "status", "created_at"
            )
        ),
        "merged_profiles": list(customer.tombstones.values_list("pk", flat=True)),
        "other_records": {},
    }
    for field in _customer_foreign_keys():
        if field.model._meta.app_label == "customers":
            continue
        rows = list(field.model._base_manager.filter(**{field.name: customer}).values())
        if rows:
            document["other_records"].setdefault(field.model._meta.label, []).extend(rows)
    return _plain(document)


def _scrub(value):
    """A payload with personal keys emptied and email- or phone-shaped text replaced."""
    if isinstance(value, dict):
        return {
            key: (ERASED if key.lower() in PERSONAL_KEYS else _scrub(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    if isinstance(value, str):
        return PHONE.sub(ERASED, EMAIL.sub(ERASED, value))
    return value


def _blank(field: models.Field):
    if field.null:
        return None
    if field.has_default():
        return field.get_default()  # {} for an address held as JSON
    return ""


def _other_apps_scrub(*, people: list[Customer], held: list[tuple[str, str]]) -> None:
    """Blank the personal fields other apps keep on rows of these people (their orders,
    carts ...), and on any row holding one of their emails or phones as its contact.

    A model lists them in ``PERSONAL_DATA_FIELDS`` (field -> ``name``, ``email``,
    ``phone``, ``address`` or ``text``); its rows are found through their foreign key to
    Customer, as the merge finds them, so this app imports none of them. Everything else
    on those rows (amounts, lines, numbers: the books) stays as it is.
    """
    for model, keys in _personal_models().items():
        personal = model.PERSONAL_DATA_FIELDS
        blanks = {name: _blank(model._meta.get_field(name)) for name in personal}
        model._base_manager.filter(_personal_rows(model, keys, people, held)).update(**blanks)


def _personal_rows(model, keys: list[str], people: list[Customer], held) -> Q:
    """``model``'s rows of these people (``keys``: its foreign keys to Customer), and its
    rows holding one of their emails or phones as their contact."""
    values = {
        "email": [value for kind, value in held if kind == ContactPoint.Kind.EMAIL],
        "phone": [value for kind, value in held if kind == ContactPoint.Kind.PHONE],
    }
    rows = Q(pk__in=[])
    for key in keys:
        rows |= Q(**{f"{key}__in": people})
    for name, holds in model.PERSONAL_DATA_FIELDS.items():
        if values.get(holds):
            rows |= Q(**{f"{name}__in": values[holds]})
    return rows


def _personal_models() -> dict[type[models.Model], list[str]]:
    """Models of other apps declaring personal fields -> their foreign keys to Customer."""
    found: dict[type[models.Model], list[str]] = {}
    for field in _customer_foreign_keys():
        if getattr(field.model, "PERSONAL_DATA_FIELDS", None):
            found.setdefault(field.model, []).append(field.name)
    return found


def _anonymise(customer: Customer, now) -> None:
    customer.full_name = ""
    customer.born_on = None
    customer.addresses = []
    customer.tags = []
    customer.staff_notes = ""
    customer.erased_at = now
    user = customer.user
    customer.user = None
    customer.save(
        update_fields=[
            "full_name",
            "born_on",
            "addresses",
            "tags",
            "staff_notes",
            "erased_at",
            "user",
            "updated_at",
        ]
    )
    if user is not None:
        user.username = f"erased-{user.pk}"
        user.email = ""
        user.first_name = user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()


@transaction.atomic(durable=True)
def customer_erase(*, customer: Customer, actor: AbstractBaseUser | None = None) -> Customer:
    """Erase a customer's personal data (the right to erasure).

    The profile is anonymised, contact points, wishlist and merge suggestions are deleted,
    review texts and event payloads lose anything personal. Kept: consent history (proof
    that consent was asked; the subject is now a pseudonymous id), the loyalty ledger and
    everything financial in other apps: orders and carts keep their rows and amounts, but
    the names, emails, phones, addresses and notes they hold (``PERSONAL_DATA_FIELDS`` of
    their models) are blanked, on the person's rows and on any row holding the person's
    email or phone. Merged-away profiles of the person are erased too.
    """
    customers_lock(customer_ids=[customer.pk])
    customer = Customer.objects.get(pk=customer.pk)
    if customer.merged_into_id:
        customer = Customer.objects.get(pk=customer.merged_into_id)
    if customer.erased_at:
        raise CustomerErased()
    now = timezone.now()
    people = [customer, *Customer.objects.filter(merged_into=customer)]
    held = list(ContactPoint.objects.filter(customer__in=people).values_list("kind", "value"))
    login_ids = [person.user_id for person in people if person.user_id]
    # Before their rows are blanked: afterwards a guest order no longer shows whose it was.
    trail = _audit_objects(people=people, held=held, login_ids=login_ids)
    _other_apps_scrub(people=people, held=held)
    for person in people:
        person.contact_points.all().delete()
        person.wishlist_items.all().delete()
        person.one_time_codes.all().delete()
        person.reviews.update(text="")
        MergeSuggestion.objects.filter(customer=person).delete()
        MergeSuggestion.objects.filter(other=person).delete()
        _anonymise(person, now)
    batch = []
    for event in Event.objects.filter(customer__in=people).only("pk", "payload").iterator(2000):
        scrubbed = _scrub(event.payload)
        if scrubbed != event.payload:
            event.payload = scrubbed
            batch.append(event)
        if len(batch) >= 500:
            Event.objects.bulk_update(batch, ["payload"])
            batch = []
    if batch:
        Event.objects.bulk_update(batch, ["payload"])
    event_record(
        customer=customer,
        kind=Event.Kind.PROFILE_ERASED,
        payload={"by_staff_id": getattr(actor, "pk", None)},
    )
    # Last, after every save above wrote its own entries: then the erasure's own entry.
    audit_entries_scrub(
        wipe={Customer: [person.pk for person in people], get_user_model(): login_ids},
        scrub=trail,
        actor_ids=login_ids,
        clean=_scrub,
        placeholder=ERASED,
    )
    audit_record(instance=customer, event="customer.erased", actor=actor)
    return customer


def _audit_objects(*, people: list[Customer], held, login_ids) -> dict[type, list]:
    """The objects whose audit trail may hold the person's data, beside their profile and
    login: tracked rows of theirs (orders ...), rows that held their email or phone (a
    guest order), and rows naming their login (a staff membership's "user @ store").

    The trail keeps only tracked fields, none of them personal, and ids in what services
    record: an entry holds a person's data only through the object it is about (its name
    as shown, its changes), so the erasure reads the trail by object, from its index,
    never by searching every entry's text.
    """
    found: dict[type, set] = {}
    user_model = get_user_model()
    personal = _personal_models()
    for field in _customer_foreign_keys():
        if field.model is not Customer and audit_is_tracked(field.model):
            rows = field.model._base_manager.filter(**{f"{field.name}__in": people})
            found.setdefault(field.model, set()).update(rows.values_list("pk", flat=True))
    for model, keys in personal.items():
        if audit_is_tracked(model):
            rows = model._base_manager.filter(_personal_rows(model, keys, people, held))
            found.setdefault(model, set()).update(rows.values_list("pk", flat=True))
    for model in audit_tracked_models():
        for field in model._meta.concrete_fields:
            if login_ids and field.is_relation and field.related_model is user_model:
                rows = model._base_manager.filter(**{f"{field.name}__in": login_ids})
                found.setdefault(model, set()).update(rows.values_list("pk", flat=True))
    return {model: sorted(pks) for model, pks in found.items() if pks}
