from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self):
        from orders import checks  # noqa: F401 (registers the deploy checks)

        self._audit_register()
        self._merge_step_register()

    def _merge_step_register(self):
        from customers.services.merge import customer_merge_step_register
        from orders.services.rollups import rollup_customers_merging

        # A merge moves the customers' milestones in the sales rollups in its transaction.
        customer_merge_step_register(rollup_customers_merging)

    def _audit_register(self):
        from django.utils.translation import gettext_lazy as _

        from config.audit import audit_register, audit_related
        from orders.models import Order, Return, Terminal, Voucher

        # The audit trail (config/audit.py): status moves, refunds, vouchers, terminals.
        audit_register(Order, fields=["status"], on_create=False)
        audit_register(
            Return,
            fields=[
                "order",
                "location",
                "refund_method",
                "refund_amount",
                "created_by",
                "approved_by",
            ],
        )
        audit_register(
            Voucher,
            fields=[
                "name", "code", "kind", "value", "max_discount_amount", "min_order_amount",
                "starts_at", "ends_at", "usage_limit", "per_customer_limit", "is_active",
                "first_order_only",
            ],
        )  # fmt: skip
        audit_register(Terminal, fields=["name", "location", "token_prefix", "revoked_at"])
        audit_related(
            Order,
            label=_("Stock ledger"),
            url_name="admin:inventory_stockmovement_changelist",
            params=lambda order: {"q": f"order:{order.number}"},
        )
