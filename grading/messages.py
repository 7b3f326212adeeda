"""The messages the grading worker leaves on a submission, as a code and parameters.

The worker does not know who will read a message (the candidate, in either language;
the committee; an operator), so it stores ``message_code`` and ``message_params`` and
every page, API answer and admin view renders them in its reader's language with
``message_render``. Worker code says ``message("stage_timeout", stage="train",
seconds=60)``; each code's text is one gettext msgid (Chinese source, English in the
catalogue) whose named placeholders are exactly the parameters the worker passes
(``tests/practical/test_messages.py`` checks every call in the grading app).

Parameters are data, never translated prose: a stage's name (translated here, when
shown), numbers, and technical detail such as an exception's text or a sandbox error,
which stays as the worker found it.
"""

import logging
import re
from typing import Any, TypedDict

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_noop as _

logger = logging.getLogger(__name__)

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class GradingMessage(TypedDict):
    """What the worker stores: a key of ``MESSAGES`` and its parameters (JSON)."""

    code: str
    params: dict[str, Any]


# Code → msgid. Marked for the catalogue here and translated when shown
# (``message_render``), so that the msgid, and its placeholders, stay readable.
MESSAGES: dict[str, str] = {
    "stage_timeout": _("%(stage)s超时（%(seconds)s 秒），请减少训练轮数或数据量"),
    "stage_out_of_memory": _("%(stage)s内存超限（上限 %(memory_mb)s MB），请减小批量或模型"),
    "stage_output_limit": _("%(stage)s输出过多（日志或文件），请少打印，并让模型保持小巧"),
    "train_crashed": _("训练阶段出错退出（退出码 %(exit_code)s），请查看训练日志"),
    "predict_crashed": _("预测阶段出错退出（退出码 %(exit_code)s），预测阶段的输出不显示"),
    "invalid_predictions": _("预测结果无效：%(detail)s"),
    "infra_retry": _("评测系统暂时不可用，将自动重试，不计入提交次数（%(detail)s）"),
    "infra_gave_up": _("评测系统多次失败，已停止重试，不计入提交次数（%(detail)s）"),
    "grading_interrupted": _("评测多次中断，已停止，不计入提交次数"),
    "scored_dev": _("开发集评测完成：%(score)s"),
    "graded_passed": _("评测完成：通过"),
    "graded_below_threshold": _("评测完成：未达合格线"),
}

# The value of a ``stage`` parameter, named in the reader's language.
STAGE_NAMES: dict[str, Promise] = {
    "train": gettext_lazy("训练阶段"),
    "predict": gettext_lazy("预测阶段"),
}


def message_placeholders(code: str) -> frozenset[str]:
    """The parameter names the code's text (its Chinese msgid) asks for. Raises
    KeyError for an unknown code."""
    return frozenset(PLACEHOLDER.findall(MESSAGES[code]))


def message(code: str, **params: Any) -> GradingMessage:
    """The message to store for ``code`` with ``params`` (JSON-serialisable values).
    Raises KeyError for an unknown code and ValueError when ``params`` are not exactly
    the text's placeholders: a programming error, which the registry's tests catch
    before a worker could."""
    wanted = message_placeholders(code)
    if set(params) != wanted:
        raise ValueError(f"message {code!r} takes {sorted(wanted)}, not {sorted(params)}")
    return {"code": code, "params": params}


def message_render(*, code: str, params: dict[str, Any], legacy: str = "") -> str:
    """The message in the active language. ``legacy``: the text a row written before
    message codes existed (grading migration 0006) carries in ``message``; such a row
    has no code and its text is shown as it is, in whatever language it was written.
    Never raises: a code this version does not know shows as the code, and parameters
    that do not fit the text leave it uninterpolated (and are logged)."""
    if not code:
        return legacy
    if code not in MESSAGES:
        logger.warning("grading message: unknown code %r", code)
        return code
    text = gettext(MESSAGES[code])
    shown = {
        name: STAGE_NAMES[value] if name == "stage" and value in STAGE_NAMES else value
        for name, value in params.items()
    }
    try:
        return text % shown
    except (KeyError, TypeError, ValueError):
        logger.warning("grading message %r: parameters %r do not fit", code, params)
        return text


def message_text(stored: GradingMessage) -> str:
    """``message_render`` of a message the worker has not stored yet (a report)."""
    return message_render(code=stored["code"], params=stored["params"])
