"""What is sold: categories, products, their images and variants (with barcodes)."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from config.money import money_field


def in_active_language(vietnamese: str, english: str) -> str:
    """The English text when the page is in English and there is one; else the Vietnamese."""
    if english and not (get_language() or "vi").startswith("vi"):
        return english
    return vietnamese


def gtin_checksum_is_valid(code: str) -> bool:
    """GS1 check digit of an EAN-13 (13 digits) or UPC-A (12 digits) barcode."""
    if not code.isdigit() or len(code) not in (12, 13):
        return False
    digits = [int(char) for char in code]
    body, check = digits[:-1], digits[-1]
    # Weights alternate 3, 1, ... counted from the digit next to the check digit.
    total = sum(digit * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def gtin_with_check_digit(body: str) -> str:
    """Append the GS1 check digit to 11 (UPC-A) or 12 (EAN-13) digits."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def validate_barcode(value: str) -> None:
    if not gtin_checksum_is_valid(value):
        raise ValidationError(
            _("%(value)s is not a valid EAN-13 or UPC-A barcode (wrong length or check digit)."),
            code="invalid_barcode",
            params={"value": value},
        )


class Category(models.Model):
    """A node of the catalog tree (Gia vị → Hạt tiêu rừng)."""

    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(10_000)])

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return in_active_language(self.name, self.name_en)

    def clean(self):
        node, seen = self.parent, {self.pk}
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"parent": _("A category cannot be its own ancestor.")})
            seen.add(node.pk)
            node = node.parent


class Product(models.Model):
    """What a shopper recognises (Mắc khén rừng Tây Bắc); sold as one or more variants."""

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="products"
    )
    slug = models.SlugField(max_length=200, unique=True)
    name = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description = models.TextField(_("description (Vietnamese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    brand = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    search_text = models.TextField(
        blank=True,
        default="",
        editable=False,
        help_text=_(
            "Names, brand and SKUs without accents, for the store's search; kept by the "
            "catalog services."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="inventory_product_name_idx")]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return in_active_language(self.name, self.name_en)

    @property
    def display_description(self) -> str:
        return in_active_language(self.description, self.description_en)


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/")
    alt = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(1000)])

    class Meta:
        ordering = ["product", "position", "id"]

    def __str__(self):
        return self.alt or self.image.name


class Variant(models.Model):
    """What is counted, priced and scanned: one SKU (Mắc khén 100 g)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    barcode = models.CharField(
        max_length=13,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_barcode],
        help_text=_("EAN-13 or UPC-A, with its check digit."),
    )
    name = models.CharField(
        max_length=200, blank=True, help_text=_("What tells it apart, e.g. 100 g.")
    )
    option_values = models.JSONField(
        default=dict, blank=True, help_text=_('Such as {"weight": "100 g"}.')
    )
    price_amount = money_field(
        _("price"), maximum=None, help_text=_("In the store currency, taxes included.")
    )
    compare_at_amount = money_field(_("compare-at price"), maximum=None, null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(1000)])
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(
        auto_now=True, help_text=_("Tills sync the catalog by this time (with the id).")
    )

    class Meta:
        ordering = ["product", "position", "id"]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="inventory_variant_sync_idx"),
            # SKUs typed in any case (sku__iexact, Upper("sku")): the till, goods receipts.
            models.Index(Upper("sku"), name="inventory_variant_skuupper_idx"),
        ]
        # Prices are the owner's and the store managers' (not the warehouse's): config.roles.
        permissions = [("change_price_variant", "Can change a variant's prices")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_amount__gte=0), name="inventory_variant_price_gte_0"
            ),
        ]

    def __str__(self):
        return f"{self.product.name} {self.name}".strip() + f" ({self.sku})"

    @property
    def display_name(self) -> str:
        """The product's name in the shopper's language, then the variant's: "Smoked buffalo
        meat 250 g" in English, "Thịt trâu gác bếp 250 g" in Vietnamese."""
        return f"{self.product.display_name} {self.name}".strip()

    def clean(self):
        # No barcode is NULL, not "": many variants may have none, but "" would be unique.
        self.barcode = (self.barcode or "").strip() or None


# --- Stock --------------------------------------------------------------------------------
