import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.models import Location


class Terminal(models.Model):
    """A POS terminal in a store. It authenticates with a token that is stored only as a hash."""

    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="terminals",
        limit_choices_to={"kind": Location.Kind.STORE},
    )
    name = models.CharField(max_length=100)
    token_prefix = models.CharField(
        max_length=16, editable=False, help_text=_("The token's first characters, to recognise it.")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_seen_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["location", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "name"], name="orders_terminal_name_unique_per_store"
            ),
        ]

    def __str__(self):
        return f"{self.location} / {self.name}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash_token(token: str) -> str:
        # Tokens are 256 random bits, so a fast hash is enough: there is nothing to brute-force.
        return hashlib.sha256(token.encode()).hexdigest()
