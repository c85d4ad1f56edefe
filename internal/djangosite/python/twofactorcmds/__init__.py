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
