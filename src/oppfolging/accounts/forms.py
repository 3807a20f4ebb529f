from __future__ import annotations

import math
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from oppfolging.accounts import services
from oppfolging.accounts.models import Municipality, Role
from oppfolging.audit.services import client_ip
from oppfolging.catalogue.models import Service
from oppfolging.lib import identity
from oppfolging.lib.forms import model_choice_field
from oppfolging.submissions.forms import OnceForm


class SignInForm(AuthenticationForm):
    """Django's sign-in form, throttled: each password check is counted before it is made."""

    error_messages = {
        "invalid_login": _(
            "Feil brukernavn eller passord. Etter flere feil forsøk må du vente litt mellom hvert forsøk."
        ),
        "inactive": _("Denne kontoen er deaktivert."),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        if username:
            wait = services.sign_in_attempt_reserve(username=username, ip=ip)
            if wait:
                raise ValidationError(_wait_message(wait), code="throttled")
        cleaned = super().clean()
        services.sign_in_succeeded(username=username, ip=ip)
        return cleaned


def _wait_message(seconds: int) -> str:
    """Word how long to wait before the next try, in seconds or whole minutes."""
    if seconds < 60:
        return ngettext(
            "For mange feil forsøk. Vent %(count)s sekund og prøv igjen.",
            "For mange feil forsøk. Vent %(count)s sekunder og prøv igjen.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "For mange feil forsøk. Vent %(count)s minutt og prøv igjen.",
        "For mange feil forsøk. Vent %(count)s minutter og prøv igjen.",
        minutes,
    ) % {"count": minutes}


class StaffCreateForm(OnceForm):
    """A new staff user; the one-time token makes a double click add the user once."""

    first_name = forms.CharField(label=_("Fornavn"), max_length=150)
    last_name = forms.CharField(label=_("Etternavn"), max_length=150)
    username = forms.RegexField(
        label=_("Brukernavn"), max_length=150, regex=r"^[A-Za-z0-9.@_+-]+\Z",
        help_text=_("Bokstavene a–z, sifre og . @ _ + -, uten mellomrom."),
        error_messages={"invalid": _("Brukernavnet kan bare ha bokstavene a–z, sifre og . @ _ + -, "
                                     "uten mellomrom.")},
    )
    email = forms.EmailField(label=_("E-post"))
    title = forms.CharField(label=_("Stilling"), max_length=100, required=False)
    role = forms.ChoiceField(
        label=_("Rolle"), choices=[c for c in Role.choices if c[0] != Role.EVALUATOR]
    )
    service = forms.ModelChoiceField(
        label=_("Tjeneste eller enhet"), queryset=Service.objects.none(), required=False
    )
    hpr_number = forms.RegexField(
        label=_("HPR-nummer"), regex=r"^\d{1,9}$", required=False,
        help_text=_("For helsepersonell: brukes til innlogging med HelseID."),
        error_messages={"invalid": _("HPR-nummeret består av inntil ni siffer.")},
    )
    national_id = forms.CharField(
        label=_("Fødselsnummer"), max_length=11, required=False,
        help_text=_("For ansatte uten HPR-nummer som skal logge inn med HelseID."),
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "service").queryset = Service.objects.filter(municipality=municipality)

    # Whether a user name or number is taken is the service's check, made after the one-time
    # token is claimed: a double click then leads to the user added, not to "already in use".

    def clean_national_id(self) -> str:
        number = identity.compact(self.cleaned_data["national_id"])
        if not number:
            return ""
        if not identity.is_valid(number, allow_synthetic=settings.ALLOW_SYNTHETIC_IDS):
            raise ValidationError(_("Fødselsnummeret er ikke gyldig."))
        return number

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip()


class MunicipalitySettingsForm(forms.ModelForm):
    """The unit's settings; the form carries the version the administrator started from."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version

    class Meta:
        model = Municipality
        fields = ["referral_deadline_urgent_days", "referral_deadline_soon_days", "referral_deadline_days",
                  "contact_email", "language"]
