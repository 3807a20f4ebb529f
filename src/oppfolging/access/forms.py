from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from oppfolging.submissions.forms import OnceForm


class BreakGlassForm(OnceForm):
    """Open emergency access; the one-time token opens it once (one access to review, not two)."""

    identity_number = forms.CharField(
        label=_("Fødselsnummer eller D-nummer"),
        max_length=14,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Begrunnelse"),
        min_length=20,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Forklar hvorfor du trenger tilgang nå. Begrunnelsen vises for koordinerende enhet "
            "og for personen selv."
        ),
    )
    confirm = forms.BooleanField(
        label=_(
            "Jeg bekrefter at jeg har tjenstlig behov, og at tilgangen logges og gjennomgås."
        )
    )


class BreakGlassReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Merknad"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
