"""What a shopper keeps or says about products: the wishlist and reviews."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models.profiles import Customer
from inventory.models import Product, Variant


class WishlistItem(models.Model):
    """A variant the shopper saved."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="wishlist_items")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="wishlisted_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "variant"], name="customers_wishlist_unique"
            ),
        ]

    def __str__(self):
        return f"#{self.customer_id} ♡ variant {self.variant_id}"


class Review(models.Model):
    """A shopper's review of a product, moderated by staff before it is shown."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending moderation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="reviews")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    text = models.TextField(blank=True)
    is_verified_purchase = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "product"], name="customers_review_one_per_product"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5),
                name="customers_review_rating_1_to_5",
            ),
        ]

    def __str__(self):
        return f"{self.rating}★ product {self.product_id} by #{self.customer_id}"
