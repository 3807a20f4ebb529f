"""The one-time token every creating form carries (see submissions.models)."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms


class OnceForm(forms.Form):
    """Adds a hidden one-time token; a bound form keeps the token it was sent with."""

    submission_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_token", uuid.uuid4())

    @property
    def submission(self) -> uuid.UUID | None:
        """Return the token the form was sent with (after is_valid)."""
        return getattr(self, "cleaned_data", {}).get("submission_token")
