"""two_factor_disable USERNAME...: re-implemented from the notes (§3.1) for the
tests; see twofactorcmds/__init__.py. Deletes each user's CONFIRMED devices of
every type; no transaction around the loop, so an unknown user stops it after
the earlier users' devices are gone (as the original does)."""
from django.core.management.base import BaseCommand
from django_otp import devices_for_user

from twofactorcmds import users_in_turn


class Command(BaseCommand):
    help = "Removes every confirmed OTP device of the given users."

    def add_arguments(self, parser):
        parser.add_argument("args", metavar="usernames", nargs="*")

    def handle(self, *usernames, **options):
        for _, user in users_in_turn(usernames):
            for device in devices_for_user(user):
                device.delete()
