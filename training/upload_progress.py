"""The words of static/js/upload_progress.js (the instructors' uploads show their
progress in the browser), in the page's language, for ``json_script``."""

from django.utils.translation import gettext


def upload_progress_strings() -> dict[str, str]:
    return {
        "sending": gettext("正在上传：%(percent)s%%"),
        "sent": gettext("已上传，正在处理……"),
        "failed": gettext("上传失败，未保存任何内容。请检查网络后重试。"),
    }
