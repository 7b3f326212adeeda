"""config/warmup.py: a worker imports every view and loads both catalogues when it
imports the WSGI application, before its first request, then freezes what it loaded
out of the garbage collector's sight (docs/benchmarks.md)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PROBE = """
import json, sys
from django.urls import get_resolver
from django.utils.translation import trans_real
import gc
import config.wsgi
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "tracked": len(gc.get_objects()),
    "views": sorted(m for m in sys.modules if m.endswith((".views", ".api"))),
    "populated": get_resolver()._populated,
    "catalogues": sorted(trans_real._translations),
}))
"""


def test_importing_the_wsgi_application_warms_the_worker() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"certification.exams.api", "certification.exams.views"} <= set(report["views"])
    assert report["populated"] is True
    assert {"en", "zh-hans"} <= set(report["catalogues"])
    # What the process loaded is out of the collector's sight: a full collection no
    # longer walks it while every thread waits.
    assert report["frozen"] > 50_000 and report["tracked"] < report["frozen"] / 5
