"""What a worker does once, at start, that its first request would otherwise do while
candidates wait: import every view (the URLconf), build the URL resolver's tables and
load both languages' catalogues. Measured: a worker's first exam start took 386 ms
cold and 46 ms after this (docs/benchmarks.md, "Exam delivery"); in a start storm every
request that reached a cold worker queued behind that first one.

Then it moves everything it has loaded out of the garbage collector's sight
(``gc.freeze``): Django, the views and the catalogues are about 190,000 objects that
live as long as the process, and a full collection walked all of them every few
hundred requests, holding the GIL for about 100 ms while every thread of the process
waited; with them frozen it takes about 4 ms (docs/benchmarks.md, "Exam delivery",
fourth round)."""

import gc

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
    gc.collect()  # garbage frozen now would never be freed
    gc.freeze()
