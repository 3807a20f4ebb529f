"""Form helpers: a service's refusal on the form the user filled in, so nothing they typed is lost;
a field known to offer choices, or model instances, typed so its choices or queryset can be narrowed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


def add_service_error(form: forms.BaseForm, error: ValidationError,
                      fields: Mapping[str, str] | None = None) -> None:
    """Attach a service's ValidationError to the form's fields, or to the form as a whole.

    A service names its model's fields (`ends_at`); the form may call them otherwise (`end`):
    `fields` maps one to the other. An error for a field the form does not have goes to the
    top of the form instead of raising, so the page is shown again with the input kept.
    """
    fields = fields or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        target = fields.get(name, name)
        form.add_error(target if target in form.fields else None, errors)


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """Return the form's field `name`, which offers choices, typed so its choices can be set."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField), name
    return field


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """Return the form's field `name`, which offers model instances (one or several), typed so
    its queryset, labels and empty label can be set."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField), name
    return field


class AmountField(forms.DecimalField):
    """An amount in kroner as people write it: «6 500», «6 500,50», «6500,-» or «6 500 kr».

    Django reads a localised number only without thousands separators (we do not group numbers in
    forms), so the spaces of a grouped amount, a trailing «kr» and a «,-» are taken away first.
    """

    SPACES = re.compile(r"[\s\u00a0\u202f]+")

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = self.SPACES.sub("", value)
            value = re.sub(r"(?i)^(nok|kr\.?)|(nok|kr\.?)$", "", value).removesuffix(",-").removesuffix(".-")
        return super().to_python(value)
