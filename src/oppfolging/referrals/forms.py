from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from oppfolging.accounts.models import Municipality, Role, User
from oppfolging.lib import identity
from oppfolging.lib.dates import WORK_DATE
from oppfolging.lib.forms import choice_field, model_choice_field
from oppfolging.lib.params import id_param
from oppfolging.people.models import Gender, Person
from oppfolging.referrals.models import ConsentToReport, Referral, Source, Status
from oppfolging.submissions.forms import OnceMixin

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    # The mixin is only ever mixed into a form; mypy is told so without changing the class at run time.
    _FormBase = forms.BaseForm
else:
    _FormBase = object

SUBJECT_FIELDS = [
    "subject_given_name", "subject_family_name", "subject_identity_number", "subject_birth_date",
    "subject_phone", "subject_address",
]
NEED_FIELDS = ["observations", "person_wants", "urgency", "consent", "consent_absent_reason"]
REPORTER_FIELDS = ["source", "reporter_name", "reporter_organisation", "reporter_email", "reporter_phone"]
FORM_SALT = "oppfolging.referrals.public-form"


TOKEN_MAX_AGE = 24 * 3600


def new_form_token(*, aged: bool = False) -> str:
    """Return a signed, single-use token: the time the form was opened and a random nonce."""
    started = time.time() - (settings.PUBLIC_FORM_MIN_SECONDS if aged else 0)
    return signing.dumps({"t": started, "n": secrets.token_hex(16)}, salt=FORM_SALT)


class ReferralFieldsMixin(_FormBase):
    """Validation shared by the public form and the in-app form."""

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
            self.add_error(
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
        choice_field(self, "source").choices = [c for c in Source.choices if c[0] != Source.GP_RISK_LIST]
        choice_field(self, "consent").choices = ConsentToReport.choices
        self.fields["subject_identity_number"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "off"}
        )
        self.fields["reporter_email"].widget.attrs["autocomplete"] = "email"
        self.fields["reporter_phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["reporter_name"].widget.attrs["autocomplete"] = "name"
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        # The nonce of a token that passed the time check (spent by the view, once).
        self.token_nonce = ""
        if not self.is_bound:
            self.initial["started"] = new_form_token()

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise ValidationError(_("Skjemaet ble avvist. Prøv igjen, eller ring oss."))
        return ""

    def clean_started(self) -> str:
        token = self.cleaned_data.get("started", "")
        try:
            payload = signing.loads(token, salt=FORM_SALT, max_age=TOKEN_MAX_AGE)
            started, nonce = float(payload["t"]), str(payload["n"])
        except (signing.BadSignature, TypeError, ValueError, KeyError):
            raise ValidationError(
                _("Skjemaet er for gammelt. Send det på nytt – det du skrev er tatt vare på.")
            ) from None
        if time.time() - started < settings.PUBLIC_FORM_MIN_SECONDS:
            raise ValidationError(_("Skjemaet ble sendt for raskt. Vent litt og send igjen."))
        self.token_nonce = nonce
        return token

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean returns cleaned_data
        if not cleaned.get("subject_identity_number") and not cleaned.get("subject_birth_date"):
            self.add_error(
                "subject_birth_date",
                _("Oppgi fødselsnummer eller fødselsdato, så vi finner riktig person."),
            )
        self.check_need(cleaned)
        if self.errors:
            self.renew_token()
        return cleaned

    def renew_token(self) -> None:
        """Put a new token in the form shown again, so a corrected form can be sent.

        It counts from now, unless the reporter already waited the minimum time with the
        token they sent: then they need not wait again. Every token is used once (the view
        spends the one sent), so a rejected form never yields a token to replay.
        """
        assert isinstance(self.data, QueryDict)  # bound to request.POST
        self.data = self.data.copy()
        waited = bool(self.token_nonce)
        self.data["started"] = new_form_token(aged=waited)

    def sections(self) -> list[tuple[StrOrPromise, list[Any]]]:
        """Return the form's fields grouped under the headings the reporter sees."""
        return [
            (_("Om deg som melder"), [self[name] for name in REPORTER_FIELDS]),
            (_("Om personen det gjelder"), [self[name] for name in SUBJECT_FIELDS]),
            (_("Hva trengs?"), [self[name] for name in NEED_FIELDS]),
        ]

    def referral_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("website", "started")}


class PersonPicker(forms.Widget):
    """Pick a person by searching as you type (htmx), never by a list of everyone.

    The search (referrals:person_search) answers with radio buttons of the same name, drawn from
    the persons the user may see; the chosen person is kept checked when the form comes back.
    """

    selected: Person | None = None

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None,
               renderer: Any = None) -> SafeString:
        attrs = self.build_attrs(self.attrs, attrs)
        return render_to_string("referrals/_person_picker.html", {
            "name": name, "id": attrs.get("id", f"id_{name}"),
            "persons": [self.selected] if self.selected else [],
            "checked": self.selected.pk if self.selected else None,
        })

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


class InAppReferralForm(OnceMixin, ReferralFieldsMixin, forms.ModelForm):
    """A professional's report from inside the app: about a known person or a new one.

    It carries a one-time token, so a double click sends the report once.
    """

    person = forms.ModelChoiceField(
        label=_("Personen det gjelder (hvis du følger personen opp allerede)"),
        queryset=Person.objects.none(),
        required=False,
        widget=PersonPicker,
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
        model_choice_field(self, "person").queryset = persons
        chosen = self.data.get("person") if self.is_bound else self.initial.get("person")
        if isinstance(chosen, Person):
            self.fields["person"].widget.selected = chosen
        elif (pk := id_param(str(chosen or ""))) is not None:
            self.fields["person"].widget.selected = persons.filter(pk=pk).first()
        for name in ("subject_given_name", "subject_family_name"):
            self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean returns cleaned_data
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
        model_choice_field(self, "assignee").queryset = (
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
        help_text=_("Skriv så personen forstår det. Teksten blir i saken: den sendes ikke til melderen, "
                    "som bare får vite at meldingen er ferdig behandlet hvis de meldte fra i Oppfølging."),
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
    overdue = forms.BooleanField(label=_("Bare forfalte"), required=False)
