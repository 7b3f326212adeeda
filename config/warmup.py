"""What a worker does once, at start, that its first request would otherwise do while
candidates wait: import every view (the URLconf), build the URL resolver's tables and
load both languages' catalogues. Measured: a worker's first exam start took 386 ms
cold and 46 ms after this (docs/benchmarks.md, "Exam delivery"); in a start storm every
request that reached a cold worker queued behind that first one."""

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation


def warm_up() -> None:
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports the URLconf, and so every view module
    resolver.reverse_dict  # noqa: B018 - builds the lookup tables, once per process
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("考试")  # loads the catalogue for ``code``
