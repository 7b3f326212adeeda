"""Exam sittings: windows with seats in which a written exam may be started, set up by
instructors and the committee, booked by candidates (services.py writes, selectors.py
reads, ics.py the calendar file)."""
