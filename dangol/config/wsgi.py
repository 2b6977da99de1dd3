"""WSGI entry point (gunicorn ``dangol.config.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangol.config.settings")
application = get_wsgi_application()
