"""Text in the reader's language when the reader is not the one making the request:
an e-mail or in-app notification is written in its recipient's language, which may
differ from the language of the person whose action sends it."""

from collections.abc import Mapping

from django.utils.functional import Promise as Promise
from django.utils.functional import lazy

StrOrPromise = str | Promise


def _interpolate(message: StrOrPromise, params: Mapping[str, object]) -> str:
    return str(message) % {key: str(value) for key, value in params.items()}


# ``_("…%(x)s") % params`` translates at once, in the language active now; this waits
# until the text is read (``str()``), so ``translation.override`` around the reading
# picks the language. Lazy values among the params are translated then too.
interpolate_lazy = lazy(_interpolate, str)
