"""Wishlist, reviews and referral codes."""

import secrets

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.exceptions import (
    CatalogItemNotFound,
    CustomersError,
    ReferralNotAllowed,
    ReviewAlreadyExists,
)
from customers.models import Customer, Event, Review, WishlistItem
from customers.selectors import customer_live, has_completed_order_with_product
from customers.services.events import event_record
from inventory.models import Product, Variant
from inventory.store_cache import store_catalog_changed

# No 0/O, 1/I/L: codes are read aloud at the till and typed on phones.
REFERRAL_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERRAL_CODE_LENGTH = 7


def _variant_on_sale(variant_id: int) -> Variant:
    """The variant, if the catalog still sells it (it and its product are active)."""
    variant = Variant.objects.filter(pk=variant_id, is_active=True, product__is_active=True).first()
    if variant is None:
        raise CatalogItemNotFound(
            _("No variant #%(id)s is on sale.") % {"id": variant_id},
            fields={"variant_id": [_("Unknown or no longer sold.")]},
        )
    return variant


def _product_on_sale(product_id: int) -> Product:
    """The product, if the catalog still sells it."""
    product = Product.objects.filter(pk=product_id, is_active=True).first()
    if product is None:
        raise CatalogItemNotFound(
            _("No product #%(id)s is on sale.") % {"id": product_id},
            fields={"product_id": [_("Unknown or no longer sold.")]},
        )
    return product


@transaction.atomic
def wishlist_add(*, customer: Customer, variant_id: int) -> WishlistItem:
    """Save a variant to the wishlist; saving it twice keeps one row.

    An unknown or inactive variant is refused (``CatalogItemNotFound``), not left to the
    foreign key to fail.
    """
    customer = customer_live(customer=customer)
    variant = _variant_on_sale(variant_id)
    item, _created = WishlistItem.objects.get_or_create(customer=customer, variant=variant)
    return item


@transaction.atomic
def wishlist_remove(*, customer: Customer, variant_id: int) -> None:
    WishlistItem.objects.filter(customer=customer, variant_id=variant_id).delete()


@transaction.atomic
def review_submit(*, customer: Customer, product_id: int, rating: int, text: str = "") -> Review:
    """A review, verified when a completed order of this customer (any channel) had the product.

    An unknown or inactive product is refused (``CatalogItemNotFound``).
    """
    customer = customer_live(customer=customer)
    if not 1 <= rating <= 5:
        raise CustomersError(_("A rating is 1 to 5 stars."), fields={"rating": [_("From 1 to 5.")]})
    product = _product_on_sale(product_id)
    verified = has_completed_order_with_product(customer=customer, product_id=product_id)
    try:
        with transaction.atomic():
            review = Review.objects.create(
                customer=customer,
                product=product,
                rating=rating,
                text=text,
                is_verified_purchase=verified,
            )
    except IntegrityError:
        raise ReviewAlreadyExists() from None
    event_record(
        customer=customer,
        kind=Event.Kind.REVIEW_SUBMITTED,
        payload={
            "review_id": review.pk,
            "product_id": product_id,
            "rating": rating,
            "verified_purchase": verified,
        },
    )
    return review


@transaction.atomic
def review_moderate(*, review: Review, status: str, actor: AbstractBaseUser | None) -> Review:
    review.status = Review.Status(status)
    review.moderated_at = timezone.now()
    review.moderated_by = actor
    review.save(update_fields=["status", "moderated_at", "moderated_by"])
    # The product page shows the approved reviews (cached: inventory/store_cache.py).
    store_catalog_changed()
    return review


@transaction.atomic
def referral_code_ensure(*, customer: Customer) -> str:
    """The customer's referral code, created on first use (short, unique, easy to read out)."""
    if customer.referral_code:
        return customer.referral_code
    while True:
        code = "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(REFERRAL_CODE_LENGTH))
        try:
            with transaction.atomic():
                updated = Customer.objects.filter(
                    pk=customer.pk, referral_code__isnull=True
                ).update(referral_code=code)
        except IntegrityError:
            continue  # taken by someone else: draw again
        customer.refresh_from_db(fields=["referral_code"])
        if updated or customer.referral_code:
            return customer.referral_code


@transaction.atomic
def referral_record(*, customer: Customer, code: str) -> Customer:
    """Record that ``customer`` was referred by the owner of ``code``; returns the referrer.

    Recording the same referral twice changes nothing; a second, different referrer, a
    self-referral or an unknown code is refused. Rewards are the campaigns' job: they
    follow the ``referral_recorded`` event.
    """
    customer = customer_live(customer=customer)
    normalized = (code or "").strip().upper()
    referrer = (
        Customer.objects.select_related("merged_into").filter(referral_code=normalized).first()
    )
    if referrer is None:
        raise ReferralNotAllowed(
            _("No customer has the referral code “%(code)s”.") % {"code": normalized},
            fields={"code": [_("Unknown code.")]},
        )
    referrer = referrer.merged_into or referrer
    if referrer.pk == customer.pk:
        raise ReferralNotAllowed(_("A customer cannot refer themselves."))
    if customer.referred_by_id:
        if customer.referred_by_id == referrer.pk:
            return referrer
        raise ReferralNotAllowed(_("This customer was already referred by someone else."))
    customer.referred_by = referrer
    customer.referred_at = timezone.now()
    customer.save(update_fields=["referred_by", "referred_at", "updated_at"])
    event_record(
        customer=customer,
        kind=Event.Kind.REFERRAL_RECORDED,
        payload={"referrer_id": referrer.pk, "code": normalized},
    )
    return referrer
