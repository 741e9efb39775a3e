"""factory-boy factories shared by every app's tests."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from inventory.models import Location, SalesChannel
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
    def role(user, create, extracted, **kwargs):
        if create and extracted:
            user.groups.add(Group.objects.get(name=extracted))


def terminal_with_token(*, location=None, name="Quầy 1"):
    """A terminal made the way staff make one (through the service), with its token."""
    return terminal_create(location=location or LocationFactory(), name=name)


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
