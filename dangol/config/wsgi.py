"""WSGI entry point (gunicorn ``dangol.config.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangol.config.settings")
application = get_wsgi_application()

# Tracker POSTs to /collect skip the middleware stack (docs/webanalytics.md).
from dangol.webanalytics.wsgi import CollectFastPath  # noqa: E402

application = CollectFastPath(application)
