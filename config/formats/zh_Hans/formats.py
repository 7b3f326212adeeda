"""Simplified Chinese: Django's dates are right (``2026年12月5日 14:30``) and are
kept; its numbers are not. Django groups by four digits with an empty separator,
which prints no separator at all; mainland usage (and CLDR's ``zh``) groups by
three with a comma (``12,345.5``)."""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
