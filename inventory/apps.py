from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = "Inventory"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from config.audit import audit_register, audit_related
        from inventory.models import Product, StaffMembership, Variant

        # The audit trail (config/audit.py): catalog and prices, who works where. Stock
        # changes are the ledger's (StockMovement: reason, reference, actor, time).
        audit_register(Product, fields=["name", "name_en", "category", "brand", "is_active"])
        audit_register(
            Variant,
            fields=["sku", "barcode", "name", "price_amount", "compare_at_amount", "is_active"],
        )
        audit_register(StaffMembership, fields=["user", "location"])
        ledger = "admin:inventory_stockmovement_changelist"
        audit_related(
            Variant, label=_("Stock ledger"), url_name=ledger, params=lambda v: {"q": v.sku}
        )
