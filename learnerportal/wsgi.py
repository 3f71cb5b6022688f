"""WSGI entry point: ``gunicorn learnerportal.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnerportal.settings")

application = get_wsgi_application()
