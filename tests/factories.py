"""factory-boy factories shared by every app's tests."""

import uuid
from decimal import Decimal

import factory
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from config.roles import sync_roles
from inventory.models import (
    Category,
    Location,
    Product,
    SalesChannel,
    StaffMembership,
    Variant,
    gtin_with_check_digit,
)
from inventory.services import StockLine, sales_channel_upsert, stock_receive
from orders.models import Order, Voucher
from orders.services import terminal_create


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"store-{n}")
    name = factory.Sequence(lambda n: f"Cửa hàng {n}")
    kind = Location.Kind.STORE
    city = "Hà Nội"
    accepts_pickup = True


class WarehouseFactory(LocationFactory):
    code = factory.Sequence(lambda n: f"warehouse-{n}")
    name = factory.Sequence(lambda n: f"Kho {n}")
    kind = Location.Kind.WAREHOUSE
    accepts_pickup = False


class SalesChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesChannel

    code = factory.Sequence(lambda n: f"channel-{n}")
    name = factory.Sequence(lambda n: f"Channel {n}")
    kind = SalesChannel.Kind.WEB


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@tiem.example")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def pin(user, create, extracted, **kwargs):
        # StaffFactory(pin="2468"): the staff member's personal PIN at the till.
        if create and extracted:
            from orders.services import staff_pin_set

            staff_pin_set(user=user, pin=extracted)

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if create and extracted:
            if not Group.objects.filter(name=extracted).exists():
                # Transactional tests flush the tables the roles migration filled.
                sync_roles(django_apps)
            user.groups.add(Group.objects.get(name=extracted))

    @factory.post_generation
    def stores(user, create, extracted, **kwargs):
        """``StaffFactory(role=CASHIER, stores=[hang_giay])``: the locations they work at."""
        if create and extracted:
            for location in extracted:
                StaffMembership.objects.create(user=user, location=location)


def terminal_with_token(*, location=None, name="Quầy 1"):
    """A terminal made the way staff make one (through the service), with its token."""
    return terminal_create(location=location or LocationFactory(), name=name)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"Danh mục {n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    slug = factory.Sequence(lambda n: f"product-{n}")
    name = factory.Sequence(lambda n: f"Sản phẩm {n}")
    name_en = factory.Sequence(lambda n: f"Product {n}")
    brand = "Tiệm"
    category = factory.SubFactory(CategoryFactory)


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    # EAN-13 in the 893 (Vietnam) range, with a valid check digit.
    barcode = factory.Sequence(lambda n: gtin_with_check_digit(f"893{n:09d}"))
    name = "100 g"
    option_values = {"weight": "100 g"}
    price_amount = factory.Faker("pydecimal", left_digits=6, right_digits=0, positive=True)


def channel_selling_from(*locations, kind=SalesChannel.Kind.WEB, **fields):
    """A sales channel made through the service, selling from ``locations`` in this order."""
    code = fields.pop("code", None) or f"{kind}-{SalesChannel.objects.count() + 1}"
    return sales_channel_upsert(
        code=code, name=fields.pop("name", code), kind=kind, locations=list(locations), **fields
    )


def stocked(variant, location, quantity):
    """Put ``quantity`` units of ``variant`` at ``location`` the only allowed way: a receipt."""
    stock_receive(location=location, lines=[StockLine(sku=variant.sku, quantity=quantity)])
    return variant.stock_levels.get(location=location)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.Customer"

    full_name = factory.Sequence(lambda n: f"Khách hàng {n}")
    preferred_language = "vi"


class ContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.ContactPoint"

    customer = factory.SubFactory(CustomerFactory)
    kind = "email"
    value = factory.Sequence(lambda n: f"khach{n}@example.vn")


class PhoneFactory(ContactPointFactory):
    kind = "phone"
    value = factory.Sequence(lambda n: f"+8490{n % 10_000_000:07d}")


class MarketplaceChannelFactory(SalesChannelFactory):
    code = factory.Sequence(lambda n: f"marketplace-{n}")
    name = factory.Sequence(lambda n: f"Sàn {n}")
    kind = SalesChannel.Kind.MARKETPLACE


def customer_with(*, email=None, phone=None, **fields):
    """A customer holding these (already normalised) contact details."""
    customer = CustomerFactory(**fields)
    if email:
        ContactPointFactory(customer=customer, kind="email", value=email)
    if phone:
        ContactPointFactory(customer=customer, kind="phone", value=phone)
    return customer


class VoucherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Voucher
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Voucher {n}")
    code = factory.Sequence(lambda n: f"GIAM{n:04d}")
    kind = Voucher.Kind.FIXED
    value = Decimal("50000")
    min_order_amount = Decimal(0)

    @factory.post_generation
    def channels(voucher, create, extracted, **kwargs):
        if create and extracted:
            voucher.channels.set(extracted)


def order_minimal(*, channel, customer=None, subtotal_amount=Decimal("500000"), **fields):
    """A bare confirmed order row, enough to hang a redemption on (not how orders are placed)."""
    return Order.objects.create(
        number=fields.pop("number", None) or f"TEST-{uuid.uuid4().hex[:12].upper()}",
        channel=channel,
        customer=customer,
        status=fields.pop("status", Order.Status.CONFIRMED),
        fulfilment=fields.pop("fulfilment", "ship"),
        subtotal_amount=subtotal_amount,
        total_amount=fields.pop("total_amount", subtotal_amount),
        placed_at=fields.pop("placed_at", None) or timezone.now(),
        **fields,
    )


# --- campaigns --------------------------------------------------------------------------


class MessageTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "campaigns.MessageTemplate"

    code = "cart_abandoned.1"
    channel = "email"
    language = "vi"
    purpose = "marketing"
    subject = "Giỏ hàng của {{ name }}"
    body = "Chào {{ name }}, giỏ hàng của bạn vẫn chờ."
    sample_context = factory.LazyFunction(lambda: {"name": "Hoa"})


class MessageFactory(factory.django.DjangoModelFactory):
    """A rendered message waiting in the outbox (due now unless told)."""

    class Meta:
        model = "campaigns.Message"

    customer = factory.SubFactory(CustomerFactory)
    channel = "email"
    address = factory.Sequence(lambda n: f"nhan{n}@example.vn")
    purpose = "transactional"
    template_code = "order_paid"
    language = "vi"
    subject = "Đơn hàng đã thanh toán"
    body = "Cảm ơn bạn."
    send_at = factory.LazyFunction(timezone.now)
    due_at = factory.SelfAttribute("send_at")
    idempotency_key = factory.Sequence(lambda n: f"test:step:{n}")
