"""Set a staff member's personal PIN for the tills: ``manage.py staff_pin_set USERNAME``."""

import getpass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from config.api.errors import DomainError
from orders.services import staff_pin_set


class Command(BaseCommand):
    help = "Set (or replace) a staff member's PIN, 4 to 8 digits, asked without echo."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--pin", help="For scripts; otherwise the PIN is asked twice.")

    def handle(self, *args, username, pin=None, **options):
        user = get_user_model().objects.filter(username=username, is_staff=True).first()
        if user is None:
            raise CommandError(f"No staff member is called {username!r}.")
        if pin is None:
            pin = getpass.getpass("PIN: ")
            if getpass.getpass("PIN again: ") != pin:
                raise CommandError("The two PINs differ; nothing was changed.")
        try:
            staff_pin_set(user=user, pin=pin)
        except DomainError as error:
            raise CommandError(f"{error.detail} Nothing was changed.") from None
        self.stdout.write(self.style.SUCCESS(f"PIN set for {username}."))
