"""two_factor_status USERNAME...: re-implemented from the notes (§3.1) for the
tests; see twofactorcmds/__init__.py."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from twofactorcmds import default_device


class Command(BaseCommand):
    help = "Prints whether two-factor authentication is enabled for each user."

    def add_arguments(self, parser):
        parser.add_argument("args", metavar="usernames", nargs="*")

    def handle(self, *usernames, **options):
        users = get_user_model()
        for username in usernames:
            try:
                user = users.objects.get_by_natural_key(username)
            except users.DoesNotExist:
                # No trailing period: two-factor-auth's text, unlike addstatictoken's.
                raise CommandError('User "%s" does not exist' % username)
            state = "enabled" if default_device(user) else self.style.ERROR("disabled")
            self.stdout.write("%s: %s" % (username, state))
