"""Plural messages for the page scripts. JavaScript has no catalogue of its own
(docs/i18n.md): a page hands its script a message's forms, and ``window.pluralText``
(static/js/site.js) picks the one ``Intl.PluralRules`` gives for the count in the
page's language."""

from collections.abc import Callable


def plural_forms(message: Callable[[int], str]) -> dict[str, str]:
    """The forms of a plural message by CLDR plural category, for ``pluralText``.
    ``message`` is ``lambda n: ngettext("…", "…", n)`` (a literal call, so that
    ``makemessages`` finds the strings). The site's languages use two categories:
    English "one" (1) and "other", Chinese "other" only (its one form)."""
    return {"one": message(1), "other": message(2)}
