"""The solution upload form, shared by the exam's practical page and the guided
projects' pages (certification/learning/)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from training.models import Framework, PracticalTask


class SolutionForm(forms.Form):
    """The upload; a task whose framework is "any" asks for the framework too."""

    framework = forms.ChoiceField(
        label=_("框架"),
        choices=Framework.choices,
        help_text=_("你的 solution.py 所用的框架：评测在该框架的沙箱镜像中运行。"),
    )
    file = forms.FileField(label=_("solution.py"))

    def __init__(self, *args: Any, task: PracticalTask, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["framework"]
        if task.framework_choice:
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(f, Framework(f).label) for f in task.frameworks]
        else:
            del self.fields["framework"]
