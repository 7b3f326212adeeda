"""The demo data the benchmarks run on: what ``load_demo`` loads, optionally without
the programme's banks and exams (they take most of the loading time)."""

from django.contrib.auth.models import User

from certification.demo.cohort import demo_cohort_load
from certification.demo.programme import demo_load
from certification.demo.programme_exams import programme_exams_load


def demo_benchmark_load(*, programme_exams: bool = True) -> None:
    """Loads the demo accounts and programme (one issued certificate included), the
    programme exams when asked, and the cohort whose mock exam feeds item analysis."""
    demo_load()
    if programme_exams:
        programme_exams_load(author=User.objects.get(username="instructor"))
    demo_cohort_load()
