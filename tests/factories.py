"""factory-boy factories shared by every app's tests."""

import factory
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from config.roles import sync_roles
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
            if not Group.objects.filter(name=extracted).exists():
                # Transactional tests flush the tables the roles migration filled.
                sync_roles(django_apps)
            user.groups.add(Group.objects.get(name=extracted))


def terminal_with_token(*, location=None, name="Quầy 1"):
    """A terminal made the way staff make one (through the service), with its token."""
    return terminal_create(location=location or LocationFactory(), name=name)
