import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

from certification.exams.fastpath import autosave_fast_path  # noqa: E402 - needs Django set up
from config.warmup import warm_up  # noqa: E402 - needs Django set up

application = autosave_fast_path(django_application)
# Each web server process (config/serve.py) imports this module before it accepts a
# request, so the work of a first request is done here, not in a candidate's.
warm_up()
