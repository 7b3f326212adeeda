"""The candidate's appeal form, shown on the result page (certification.results)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certification.models import BlueprintComponent


class AppealForm(forms.Form):
    grounds = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("申诉理由"))
    components = forms.MultipleChoiceField(
        choices=BlueprintComponent.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        label=_("申诉的部分"),
    )
