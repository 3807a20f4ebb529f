"""The one-time token every creating form carries (see submissions.models)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django import forms

if TYPE_CHECKING:  # for the type checker the mixin is a form; at run time it only adds to one
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class OnceMixin(_FormBase):
    """Adds a hidden one-time token to a Form or ModelForm; a bound form keeps the token it was sent with."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["submission_token"] = forms.UUIDField(widget=forms.HiddenInput, required=False)
        if not self.is_bound:
            self.initial.setdefault("submission_token", uuid.uuid4())

    @property
    def submission(self) -> uuid.UUID | None:
        """Return the token the form was sent with (after is_valid)."""
        return getattr(self, "cleaned_data", {}).get("submission_token")

    def data_without_token(self) -> dict[str, Any]:
        """The cleaned data for the service, without the token."""
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k != "submission_token"}


class OnceForm(OnceMixin, forms.Form):
    """A plain form with the one-time token."""
