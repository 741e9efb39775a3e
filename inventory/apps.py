from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = "Inventory"

    def ready(self):
        from config.audit import audit_register
        from inventory.models import Product, StaffMembership, Variant

        # The audit trail (config/audit.py): catalog and prices, who works where. Stock
        # changes are the ledger's (StockMovement: reason, reference, actor, time).
        audit_register(Product, fields=["name", "name_en", "category", "brand", "is_active"])
        audit_register(
            Variant,
            fields=["sku", "barcode", "name", "price_amount", "compare_at_amount", "is_active"],
        )
        audit_register(StaffMembership, fields=["user", "location"])
