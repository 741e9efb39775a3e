"""Listings: which marketplace item/model sells which of our variants."""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.models import Variant
from orders.marketplaces.exceptions import ListingImportInvalid
from orders.marketplaces.models import Listing, MarketplaceShop

CSV_COLUMNS = ("item_id", "model_id", "seller_sku", "name", "sku")


@dataclass
class ListingImportReport:
    created: int = 0
    updated: int = 0
    mapped: int = 0
    unmapped: list[dict] = field(default_factory=list)  # {"row", "item_id", "model_id", "reason"}


def listings_mark_dirty(*, listings=None, variant_ids=None, shop=None, now=None) -> int:
    """Mark listings as owing the platform a stock figure (the push job clears the marks)."""
    now = now or timezone.now()
    queryset = Listing.objects.filter(variant__isnull=False, shop__is_active=True)
    if listings is not None:
        queryset = queryset.filter(pk__in=[listing.pk for listing in listings])
    if variant_ids is not None:
        queryset = queryset.filter(variant_id__in=variant_ids)
    if shop is not None:
        queryset = queryset.filter(shop=shop)
    return queryset.update(
        dirty_count=F("dirty_count") + 1, dirty_since=Coalesce(F("dirty_since"), now)
    )


@transaction.atomic
def listing_map(*, listing: Listing, variant: Variant | None) -> Listing:
    """Staff say which variant a listing sells (None: unmapped); its figure is pushed next."""
    listing.variant = variant
    listing.save(update_fields=["variant"])
    if variant is not None:
        listings_mark_dirty(listings=[listing])
    return listing


@transaction.atomic
def listings_import_csv(*, shop: MarketplaceShop, file) -> ListingImportReport:
    """Create or update the shop's listings from a CSV (``item_id, model_id, seller_sku,
    name, sku``; exported from the platform's item list).

    A listing is mapped only to the variant whose SKU is exactly ``sku`` (or, with no
    ``sku`` column value, exactly the seller SKU). Anything else stays unmapped and is
    reported with the reason; nothing is matched by name or guessed.
    """
    text = file.read()
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ListingImportInvalid(_("The file is not UTF-8 text.")) from error
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "item_id" not in reader.fieldnames:
        raise ListingImportInvalid(
            _("The first line must name the columns: %(columns)s.")
            % {"columns": ", ".join(CSV_COLUMNS)},
            fields={"file": [_("Column item_id is missing.")]},
        )
    rows = list(reader)
    wanted = {(row.get("sku") or row.get("seller_sku") or "").strip() for row in rows} - {""}
    variants = {variant.sku: variant for variant in Variant.objects.filter(sku__in=wanted)}
    report = ListingImportReport()
    for number, row in enumerate(rows, start=2):
        item_id = (row.get("item_id") or "").strip()
        model_id = (row.get("model_id") or "").strip()
        if not item_id:
            report.unmapped.append(
                {"row": number, "item_id": "", "model_id": model_id, "reason": _("No item_id.")}
            )
            continue
        sku = (row.get("sku") or "").strip()
        seller_sku = (row.get("seller_sku") or "").strip()
        variant = variants.get(sku or seller_sku)
        listing, created = Listing.objects.get_or_create(
            shop=shop,
            item_id=item_id,
            model_id=model_id,
            defaults={"seller_sku": seller_sku[:100], "name": (row.get("name") or "")[:300]},
        )
        if created:
            report.created += 1
        else:
            report.updated += 1
            listing.seller_sku = seller_sku[:100] or listing.seller_sku
            listing.name = (row.get("name") or "")[:300] or listing.name
            listing.save(update_fields=["seller_sku", "name"])
        if variant is not None:
            if listing.variant_id != variant.pk:
                listing_map(listing=listing, variant=variant)
            report.mapped += 1
        elif listing.variant_id is None:
            reason = (
                _("No variant has SKU %(sku)s.") % {"sku": sku or seller_sku}
                if sku or seller_sku
                else _("No SKU given.")
            )
            report.unmapped.append(
                {"row": number, "item_id": item_id, "model_id": model_id, "reason": reason}
            )
        else:
            report.mapped += 1  # mapped before by staff; the file names no variant of ours
    return report
