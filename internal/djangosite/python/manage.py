#!/usr/bin/python3
"""manage.py of the test site (internal/djangosite): Django's own command line."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djsettings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
