from __future__ import annotations

import time
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from oppfolging.accounts.models import Municipality, Role, User
from oppfolging.lib import identity
from oppfolging.lib.dates import WORK_DATE
from oppfolging.people.models import Gender, Person
from oppfolging.referrals.models import ConsentToReport, Referral, Source, Status

SUBJECT_FIELDS = [
    "subject_given_name", "subject_family_name", "subject_identity_number", "subject_birth_date",
    "subject_phone", "subject_address",
]
NEED_FIELDS = ["observations", "person_wants", "urgency", "consent", "consent_absent_reason"]
REPORTER_FIELDS = ["source", "reporter_name", "reporter_organisation", "reporter_email", "reporter_phone"]
FORM_SALT = "oppfolging.referrals.public-form"


class ReferralFieldsMixin:
    """Validation shared by the public form and the in-app form."""

    cleaned_data: dict[str, Any]

    def clean_subject_identity_number(self) -> str:
        value = identity.compact(self.cleaned_data.get("subject_identity_number") or "")
        if not value:
            return ""
        try:
            return identity.parse(value, allow_synthetic=settings.ALLOW_SYNTHETIC_IDS).value
        except identity.InvalidIdentityNumber as error:
            raise ValidationError(str(error)) from None

    def check_need(self, cleaned: dict[str, Any]) -> None:
        consent = cleaned.get("consent")
        if consent in (ConsentToReport.NOT_GIVEN, ConsentToReport.NOT_ABLE) and not cleaned.get(
            "consent_absent_reason", ""
        ).strip():
            self.add_error(  # type: ignore[attr-defined]
                "consent_absent_reason",
                _("Forklar hvorfor personen ikke har samtykket, eller hvorfor det ikke går nå."),
            )


class PublicReferralForm(ReferralFieldsMixin, forms.ModelForm):
    """The low-threshold web form anyone can use without signing in."""

    # A field people never see; automated submitters fill it in.
    website = forms.CharField(required=False, label=_("La dette feltet stå tomt"))
    started = forms.CharField(widget=forms.HiddenInput)

    class Meta:
        model = Referral
        fields = REPORTER_FIELDS + SUBJECT_FIELDS + NEED_FIELDS
        widgets = {
            "source": forms.RadioSelect,
            "urgency": forms.RadioSelect,
            "consent": forms.RadioSelect,
            "subject_birth_date": forms.DateInput(attrs={"type": "date"}),
            "observations": forms.Textarea(attrs={"rows": 5}),
            "person_wants": forms.Textarea(attrs={"rows": 3}),
            "consent_absent_reason": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "subject_given_name": _("Fornavn"),
            "subject_family_name": _("Etternavn"),
            "subject_identity_number": _("Fødselsnummer (11 siffer), hvis du vet det"),
            "subject_birth_date": _("Fødselsdato, hvis du ikke vet fødselsnummeret"),
            "subject_phone": _("Telefonnummeret til personen"),
            "subject_address": _("Adressen til personen"),
            "source": _("Hvem er du?"),
        }
        help_texts = {
            "observations": _("Skriv med dine egne ord. Du trenger ikke bruke faguttrykk."),
            "person_wants": _("Hva sier personen selv at hen trenger eller ønsker?"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [c for c in Source.choices if c[0] != Source.GP_RISK_LIST]
        self.fields["consent"].choices = ConsentToReport.choices
        self.fields["subject_identity_number"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "off"}
        )
        self.fields["reporter_email"].widget.attrs["autocomplete"] = "email"
        self.fields["reporter_phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["reporter_name"].widget.attrs["autocomplete"] = "name"
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        if not self.is_bound:
            self.initial["started"] = signing.dumps(time.time(), salt=FORM_SALT)

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise ValidationError(_("Skjemaet ble avvist. Prøv igjen, eller ring oss."))
        return ""

    def clean_started(self) -> str:
        token = self.cleaned_data.get("started", "")
        try:
            started = float(signing.loads(token, salt=FORM_SALT, max_age=24 * 3600))
        except (signing.BadSignature, TypeError, ValueError):
            raise ValidationError(
                _("Skjemaet er for gammelt. Send det på nytt – det du skrev er tatt vare på.")
            ) from None
        if time.time() - started < settings.PUBLIC_FORM_MIN_SECONDS:
            raise ValidationError(_("Skjemaet ble sendt for raskt. Vent litt og send igjen."))
        return token

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("subject_identity_number") and not cleaned.get("subject_birth_date"):
            self.add_error(
                "subject_birth_date",
                _("Oppgi fødselsnummer eller fødselsdato, så vi finner riktig person."),
            )
        self.check_need(cleaned)
        # A fresh token, so a corrected form can be sent again without starting over.
        if self.errors:
            self.data = self.data.copy()
            self.data["started"] = signing.dumps(
                time.time() - settings.PUBLIC_FORM_MIN_SECONDS, salt=FORM_SALT
            )
        return cleaned

    def sections(self) -> list[tuple[str, list[Any]]]:
        """Return the form's fields grouped under the headings the reporter sees."""
        return [
            (_("Om deg som melder"), [self[name] for name in REPORTER_FIELDS]),
            (_("Om personen det gjelder"), [self[name] for name in SUBJECT_FIELDS]),
            (_("Hva trengs?"), [self[name] for name in NEED_FIELDS]),
        ]

    def referral_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("website", "started")}


class InAppReferralForm(ReferralFieldsMixin, forms.ModelForm):
    """A professional's report from inside the app: about a known person or a new one."""

    person = forms.ModelChoiceField(
        label=_("Personen det gjelder (hvis du følger personen opp allerede)"),
        queryset=Person.objects.none(),
        required=False,
    )

    class Meta:
        model = Referral
        fields = ["source", *SUBJECT_FIELDS, *NEED_FIELDS]
        widgets = {
            "urgency": forms.RadioSelect,
            "consent": forms.RadioSelect,
            "subject_birth_date": forms.DateInput(attrs={"type": "date"}),
            "observations": forms.Textarea(attrs={"rows": 5}),
            "person_wants": forms.Textarea(attrs={"rows": 3}),
            "consent_absent_reason": forms.Textarea(attrs={"rows": 2}),
        }
        labels = PublicReferralForm.Meta.labels | {"source": _("Du melder som")}

    def __init__(self, *args: Any, persons: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = persons  # type: ignore[attr-defined]
        for name in ("subject_given_name", "subject_family_name"):
            self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("person") is None:
            for name in ("subject_given_name", "subject_family_name"):
                if not cleaned.get(name):
                    self.add_error(name, _("Velg en person, eller skriv navnet."))
            if not cleaned.get("subject_identity_number") and not cleaned.get("subject_birth_date"):
                self.add_error("subject_birth_date", _("Oppgi fødselsnummer eller fødselsdato."))
        else:
            person = cleaned["person"]
            cleaned["subject_given_name"] = person.given_name
            cleaned["subject_family_name"] = person.family_name
        self.check_need(cleaned)
        return cleaned


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Saksbehandler"), queryset=User.objects.none(), required=False,
        empty_label=_("Ingen – tilbake i køen"),
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(
                role_assignments__municipality=municipality,
                role_assignments__role__in=[Role.COORDINATING_UNIT, Role.COORDINATOR],
                is_active=True,
            )
            .distinct()
            .order_by("last_name", "first_name")
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Begrunnelse"), min_length=10, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Skriv så melderen og personen forstår det. Teksten sendes til melderen."),
    )


class DeadlineForm(forms.Form):
    deadline = forms.DateField(label=_("Ny frist"), widget=forms.DateInput(attrs={"type": "date"}), validators=[WORK_DATE])


class LinkPersonForm(forms.Form):
    identity_number = forms.CharField(
        label=_("Fødselsnummer til personen i registeret"), max_length=14, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class RegisterPersonForm(forms.Form):
    """The person as the reporter described them, for the unit to check and register in one step."""

    given_name = forms.CharField(label=_("Fornavn"), max_length=100)
    family_name = forms.CharField(label=_("Etternavn"), max_length=100)
    identity_number = forms.CharField(
        label=_("Fødselsnummer"), max_length=14, required=False,
        help_text=_("Kan stå tomt. Personen blir merket til nummeret er lagt inn."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    birth_date = forms.DateField(label=_("Fødselsdato"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    gender = forms.ChoiceField(label=_("Kjønn"), choices=Gender.choices, initial=Gender.UNKNOWN)
    phone = forms.CharField(label=_("Telefon"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-post"), required=False)
    address = forms.CharField(label=_("Adresse"), max_length=200, required=False)

    @classmethod
    def from_referral(cls, referral: Referral) -> RegisterPersonForm:
        """Return the form prefilled with what the reporter typed about the person."""
        return cls(initial={
            "given_name": referral.subject_given_name, "family_name": referral.subject_family_name,
            "identity_number": referral.subject_identity_number,
            "birth_date": referral.subject_birth_date.isoformat() if referral.subject_birth_date else "",
            "phone": referral.subject_phone, "address": referral.subject_address,
        })


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("open", _("Åpne")), ("all", _("Alle")), *Status.choices],
    )
    mine = forms.BooleanField(label=_("Bare mine"), required=False)
    overdue = forms.BooleanField(label=_("Bare over fristen"), required=False)
