"""Settings of the test site (internal/djangosite).

The apps a django-two-factor-auth site has for OTP, minus two_factor itself
(not packaged in Debian): its two management commands are re-implemented in
the local app twofactorcmds. The database path and the OTP settings that
two-factor has to mirror (throttle factor, OTP_TOTP_SYNC) come from the
environment so a test can set them.
"""
import os

SECRET_KEY = "djangosite-tests-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_hotp",
    "django_otp.plugins.otp_static",
    "twofactorcmds",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["DJANGOSITE_DB"],
        # A verification racing two-factor's write waits for the lock as a
        # busy site would, instead of failing at once.
        "OPTIONS": {"timeout": 10},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

_factor = os.environ.get("DJANGOSITE_THROTTLE_FACTOR")
if _factor:
    OTP_TOTP_THROTTLE_FACTOR = int(_factor)
    OTP_HOTP_THROTTLE_FACTOR = int(_factor)
    OTP_STATIC_THROTTLE_FACTOR = int(_factor)
OTP_TOTP_SYNC = os.environ.get("DJANGOSITE_TOTP_SYNC", "1") == "1"
