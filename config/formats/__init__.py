"""Date and number formats per language (``FORMAT_MODULE_PATH``), layered over
Django's own: only what Django gets wrong for this site's readers is set here, the
rest (input formats, first day of the week) falls through to Django's module for the
language. docs/i18n.md, "Dates, numbers and plurals", says what each language shows."""
