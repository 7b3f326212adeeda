"""English: day month year with a 24-hour clock (``5 Dec 2026, 14:30``), as read
across the English-speaking world and by Chinese readers of English pages. Django's
``en`` is American (``12/05/2026 2:30 p.m.``): the month-first short date reads as
5 December or 12 May depending on the reader, and the exam times of a Chinese
programme are published on a 24-hour clock."""

DATE_FORMAT = "j F Y"  # 5 December 2026
SHORT_DATE_FORMAT = "j M Y"  # 5 Dec 2026
TIME_FORMAT = "H:i"  # 14:30
DATETIME_FORMAT = "j F Y, H:i"  # 5 December 2026, 14:30
SHORT_DATETIME_FORMAT = "j M Y, H:i"  # 5 Dec 2026, 14:30
MONTH_DAY_FORMAT = "j F"  # 5 December
YEAR_MONTH_FORMAT = "F Y"  # December 2026
FIRST_DAY_OF_WEEK = 1  # Monday
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3  # 12,345.5
