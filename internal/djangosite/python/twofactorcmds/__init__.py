"""Stand-ins for django-two-factor-auth's management commands.

django-two-factor-auth is not packaged in Debian and no package index is
reachable, so two_factor_status and two_factor_disable are RE-IMPLEMENTED
here from the behaviour recorded in shared/notes/django-otp.md §3.1 (output
lines, CommandError text, exit codes, confirmed-only deletion), written for
these tests, not copied. default_device() is two-factor-auth's definition
(§2.4): the first confirmed device, in INSTALLED_APPS order, named
'default'.
"""
from django_otp import devices_for_user


def default_device(user):
    for device in devices_for_user(user):  # confirmed=True by default
        if device.name == "default":
            return device
    return None


def users_in_turn(usernames):
    """Yields (username, user) for each name, looked up as both of
    two-factor-auth's commands do: get_by_natural_key, i.e. USERNAME_FIELD,
    exact and case-sensitive. An unknown name raises their CommandError
    (no trailing period, unlike addstatictoken's; exit 1) only when it is
    reached, so the users named before it have already been handled: there
    is no transaction around the loop (§3.1)."""
    from django.contrib.auth import get_user_model
    from django.core.management.base import CommandError

    users = get_user_model()
    for username in usernames:
        try:
            user = users.objects.get_by_natural_key(username)
        except users.DoesNotExist:
            raise CommandError('User "%s" does not exist' % username)
        yield username, user
