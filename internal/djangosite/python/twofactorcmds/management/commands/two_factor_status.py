"""two_factor_status USERNAME...: re-implemented from the notes (§3.1) for the
tests; see twofactorcmds/__init__.py."""
from django.core.management.base import BaseCommand

from twofactorcmds import default_device, users_in_turn


class Command(BaseCommand):
    help = "Prints whether two-factor authentication is enabled for each user."

    def add_arguments(self, parser):
        parser.add_argument("args", metavar="usernames", nargs="*")

    def handle(self, *usernames, **options):
        for username, user in users_in_turn(usernames):
            state = "enabled" if default_device(user) else self.style.ERROR("disabled")
            self.stdout.write("%s: %s" % (username, state))
