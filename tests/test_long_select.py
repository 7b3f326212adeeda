"""The session form's long selects (600 time zones, every lesson) are written in
Python instead of one template per option: same options, values, labels and choice."""

import re

import pytest
from django import forms

from certification.sessions.forms import LongSelect

OPTION = re.compile(r'<option value="([^"]*)"( selected)?>([^<]*)</option>')


@pytest.mark.parametrize("value", ["Asia/Shanghai", "", "Europe/Paris"])
def test_long_select_renders_what_djangos_select_renders(value):
    choices = [("", "---------"), ("Asia/Shanghai", "上海 <CST>"), ("Europe/Paris", "Paris & co")]
    attrs = {"id": "id_time_zone", "required": True, "aria-describedby": "help"}
    django_html = forms.Select(choices=choices).render("time_zone", value, attrs)
    ours = LongSelect(choices=choices).render("time_zone", value, attrs)
    assert OPTION.findall(ours) == OPTION.findall(django_html)
    assert _tag(ours) == _tag(django_html)


def _tag(html: str) -> set[str]:
    """The attributes of the <select> tag, in any order."""
    return set(re.findall(r'[\w-]+(?:="[^"]*")?', html.split(">", 1)[0].removeprefix("<select")))
