"""Staff roles: Django groups with model permissions and named permissions.

The rules below say what each role may do per app and model; :func:`sync_roles` turns them
into ``auth.Group`` rows and permissions. It is called from data migrations, so every new
database has the roles, and it must be called again by the migration that adds a model or
a named permission (``tests/platform/test_roles.py`` fails when a model or a named
permission of ours is left out of the owner's role).

An action is a model permission (``view``, ``add``, ``change``, ``delete``) or a named one
declared in the model's ``Meta.permissions`` as ``<action>_<model>`` (``merge_customer``);
code asks ``user.has_perm("customers.merge_customer")``, never which group a user is in.
"""

from __future__ import annotations

ALL = ("view", "add", "change", "delete")
READ = ("view",)

# Named permissions (Meta.permissions of the model), by app and model: only the owner has
# them all; the other roles get them one by one below.
CUSTOMER_NAMED = ("merge", "export", "erase", "unmask")
ORDER_NAMED = ("fulfil",)
RETURN_NAMED = ("refund_cross_channel",)
VARIANT_NAMED = ("change_price",)
# Without it a staff member acts only for the locations they are members of
# (inventory.StaffMembership; inventory.selectors.staff_location_ids decides).
LOCATION_NAMED = ("act_for_every",)
# The audit trail (platform.AuditEntry): the whole trail is the owner's; "read_trail" shows
# an object's trail on its page to staff who may open that object (config/audit_admin.py).
AUDIT_NAMED = ("read_trail",)

OWNER = "owner"
STORE_MANAGER = "store_manager"
CASHIER = "cashier"
WAREHOUSE = "warehouse"
MARKETER = "marketer"
ROLES = (OWNER, STORE_MANAGER, CASHIER, WAREHOUSE, MARKETER)

OUR_APPS = ("platform", "inventory", "customers", "orders", "campaigns")

# role -> app label -> model name ("*" for every model of the app) -> actions
RULES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    OWNER: {
        **{app: {"*": ALL} for app in OUR_APPS},
        "inventory": {
            "*": ALL,
            "location": (*ALL, *LOCATION_NAMED),
            "variant": (*ALL, *VARIANT_NAMED),
        },
        # Export and erasure of a customer's data are the owner's (the data controller's).
        "customers": {"*": ALL, "customer": (*ALL, *CUSTOMER_NAMED)},
        "orders": {
            "*": ALL,
            "order": (*ALL, *ORDER_NAMED),
            "return": (*ALL, *RETURN_NAMED),
        },
        "campaigns": {"*": ALL, "message": (*ALL, "resolve")},
        "auth": {"user": ALL, "group": READ},
        "platform": {"*": ALL, "auditentry": (*ALL, *AUDIT_NAMED)},
    },
    # Store managers, cashiers and warehouse staff act for their own locations only.
    STORE_MANAGER: {
        "inventory": {
            "*": ("view", "add", "change"),
            "variant": ("view", "add", "change", "change_price"),
            # Who works where is the owner's to say: a manager must not join another store.
            "staffmembership": READ,
        },
        "customers": {
            "*": ("view", "add", "change"),
            "customer": ("view", "add", "change", "merge", "unmask"),
        },
        "orders": {
            "*": ("view", "add", "change"),
            "order": ("view", "add", "change", "fulfil"),
            "return": ("view", "add", "change", "refund_cross_channel"),
            # Delivery fees are the owner's decision; managers read them.
            "shippingrule": READ,
            "quoteline": ALL,  # a draft quote's lines are edited inline
        },
        "campaigns": {"*": READ},
        # Their stores' objects' trails on those objects' pages, not the whole trail.
        "platform": {"*": READ, "auditentry": AUDIT_NAMED},
    },
    CASHIER: {
        # Purchase costs and suppliers are the stock keepers' and the managers', not the till's.
        "inventory": {
            "*": READ,
            "staffmembership": (),
            "goodsreceipt": (),
            "goodsreceiptline": (),
            "supplier": (),
        },
        # Cashiers serve the shopper in front of them: no merging (it moves the login) and
        # contacts shown masked; they find a shopper at the till by phone or email.
        "customers": {"*": ("view", "add", "change")},
        # Cashiers sell; terminals and their tokens are the manager's, vouchers the marketer's.
        "orders": {
            "*": ("view", "add"),
            "terminal": READ,
            "voucher": READ,
            "vouchercode": READ,
            "voucherredemption": READ,
            # Marketplace shops, their secrets' users and buyers' raw orders are not the till's.
            "marketplaceshop": (),
            "listing": (),
            "webhookevent": (),
            "heldorder": (),
            "stocksynclog": (),
            "shippingrule": READ,
            "bundle": READ,
            "bundleitem": READ,
            # A cashier quotes the customer in front of them and sends the quote (issue 14).
            "quote": ("view", "add", "change"),
            "quoteline": ALL,
            # The sales figures are the managers', the owner's and marketing's.
            "dailysales": (),
            "dailychannelsales": (),
            "monthlysales": (),
            "monthlychannelsales": (),
        },
    },
    WAREHOUSE: {
        # No prices: change_price_variant is the owner's and the store managers'.
        "inventory": {
            "*": ("view", "add", "change"),
            "saleschannel": READ,
            "staffmembership": (),
        },
        "orders": {
            "*": READ,
            "terminal": (),
            "dailysales": (),
            "dailychannelsales": (),
            "monthlysales": (),
            "monthlychannelsales": (),
        },
    },
    MARKETER: {
        # Marketers edit templates, the DNC list and suppressions; the outbox is a log
        # written only by the send path: nobody changes a message, sent or not.
        "campaigns": {"*": ALL, "message": ("view", "resolve")},
        "customers": {"*": READ, "customer": ("view", "unmask")},
        # Marketing works across stores.
        "inventory": {
            "*": READ,
            "location": ("view", *LOCATION_NAMED),
            "staffmembership": (),
            "goodsreceipt": (),
            "goodsreceiptline": (),
            "supplier": (),
        },
        # Vouchers are marketing's: they create them and their codes.
        "orders": {
            "*": READ,
            "terminal": (),
            "voucher": ("view", "add", "change"),
            "vouchercode": ("view", "add", "change"),
            # Combos are marketing's too.
            "bundle": ("view", "add", "change"),
            "bundleitem": ("view", "add", "change", "delete"),
        },
    },
}


def sync_roles(apps, schema_editor=None) -> None:
    """Create the groups and give them exactly the permissions the rules grant.

    Works on a migration's historical ``apps`` (and on ``django.apps.apps``: tests that
    flush the database call it to bring the roles back); creates missing permission rows first,
    because Django only creates them in ``post_migrate``, after every migration has run.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            Permission.objects.filter(pk__in=list(_granted_permission_ids(apps, Permission, role)))
        )


def _granted_permission_ids(apps, Permission, role):
    for app_label, models in RULES[role].items():
        try:
            app_models = list(apps.get_app_config(app_label).get_models())
        except LookupError:
            continue
        for model in app_models:
            model_name = model._meta.model_name
            actions = models.get(model_name, models.get("*", ()))
            codenames = [f"{action}_{model_name}" for action in actions]
            yield from Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            ).values_list("pk", flat=True)
