"""Reports of need: receiving them, triage, assignment, linking to the register, declining."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access import policy
from oppfolging.access.grants import CLINICAL_ROLES, StaffGrant
from oppfolging.accounts.models import Municipality, Role, User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.lib import identity
from oppfolging.lib.versioning import save_versioned
from oppfolging.notifications.models import Kind
from oppfolging.notifications.services import Recipient, notify
from oppfolging.people.models import Gender, Person
from oppfolging.referrals.models import Channel, PublicFormToken, Referral, Status, Urgency

RECEIPT_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"  # no look-alikes (0/O, 1/I, 5/S, 8/B, 2/Z)


def _ip_fingerprint(ip: str | None) -> str:
    """Return a keyed hash of the client address: enough to rate-limit, not to identify."""
    if not ip:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()


def _new_receipt_code() -> str:
    """Return a short code the reporter can quote when they call."""
    while True:
        code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(8))
        if not Referral.objects.filter(receipt_code=code).exists():
            return code


def _match_or_register_person(
    *, municipality: Municipality, referral: Referral, actor: User | None
) -> Person | None:
    """Attach the report to the person with its identity number, registering them if new.

    Never creates a second person for the same number: the register is matched first.
    """
    if not referral.subject_identity_number:
        return None
    number = identity.parse(
        referral.subject_identity_number, allow_synthetic=settings.ALLOW_SYNTHETIC_IDS
    )
    person = Person.objects.filter(municipality=municipality, identity_number=number.value).first()
    if person is not None:
        return person
    gender = {"F": Gender.FEMALE, "M": Gender.MALE}.get(number.sex or "", Gender.UNKNOWN)
    birth_date = number.birth_date or referral.subject_birth_date
    if birth_date is None:
        return None
    try:
        with transaction.atomic():
            person = Person.objects.create(
                municipality=municipality,
                given_name=referral.subject_given_name,
                family_name=referral.subject_family_name,
                identity_number=number.value,
                identity_kind=str(number.kind),
                birth_date=birth_date,
                gender=gender,
                phone=referral.subject_phone,
                address=referral.subject_address,
            )
    except IntegrityError:
        # Another report registered the same number at the same moment: use that person.
        return Person.objects.filter(municipality=municipality, identity_number=number.value).first()
    audit_record(
        actor=actor, action=Action.CREATE, resource="person", resource_id=person.pk,
        person=person, purpose=_("Registrert fra melding om behov"),
        actor_name="" if actor else _("Melder via nettskjema"),
    )
    return person


def public_form_rate_limited(*, ip: str | None) -> bool:
    """Tell whether the client address has sent as many public reports this hour as allowed."""
    recent = Referral.objects.filter(
        submitter_ip_hash=_ip_fingerprint(ip),
        received_at__gte=timezone.now() - dt.timedelta(hours=1),
    ).count()
    return recent >= settings.PUBLIC_FORM_RATE_LIMIT


def public_form_token_spend(*, nonce: str) -> bool:
    """Spend a public form's token; False when it was spent before (a replay or a double send).

    Spent tokens older than a day are deleted: the form refuses tokens that old anyway.
    """
    PublicFormToken.objects.filter(used_at__lt=timezone.now() - dt.timedelta(hours=25)).delete()
    try:
        with transaction.atomic():
            PublicFormToken.objects.create(nonce=nonce)
    except IntegrityError:
        return False
    return True


class PublicFormAlreadySent(Exception):
    """The public form was sent before with this token; `referral` is what it made (or None)."""

    def __init__(self, referral: Referral | None) -> None:
        super().__init__("This form was already sent.")
        self.referral = referral


@transaction.atomic
def referral_create_public(
    *, municipality: Municipality, ip: str | None = None, nonce: str = "", **fields: Any
) -> Referral:
    """Receive a report of need from the public form: anyone, without signing in.

    It writes to the unit's queue and reads nothing: it never registers a person and never
    attaches to one. An identity number in the report is a claim by someone unknown; the unit
    sees the person it matches in the register and links the report itself (`referral_link_person`).

    The form's token (`nonce`) is spent in the same transaction as the report is made: a double
    click or "back and send again" with the same token raises PublicFormAlreadySent with the
    report the first sending made (a concurrent second sending waits for the first to commit).
    """
    token = None
    if nonce:
        try:
            with transaction.atomic():
                token = PublicFormToken.objects.create(nonce=nonce)
        except IntegrityError:
            earlier = PublicFormToken.objects.filter(nonce=nonce).select_related("referral").first()
            raise PublicFormAlreadySent(earlier.referral if earlier else None) from None
    referral = _referral_create(municipality=municipality, channel=Channel.PUBLIC_FORM, ip=ip, **fields)
    if token is not None:
        token.referral = referral
        token.save(update_fields=["referral"])
    return referral


@transaction.atomic
def referral_create(
    *, grant: StaffGrant, person: Person | None = None, channel: str = Channel.IN_APP, **fields: Any
) -> Referral:
    """Receive a report of need from a professional inside the app (or from the GP's risk list).

    Any role that meets persons may report; a person picked from the register must be one the
    reporter serves (the form offers only those).
    """
    if channel not in (Channel.IN_APP, Channel.GP_RISK_LIST):
        raise ValueError(f"A professional reports in the app, not through {channel!r}")
    grant.require_role(*CLINICAL_ROLES)
    grant.require_owns(person)
    if person is not None and policy.person_grant(user=grant.user, person=person) is None:
        raise PermissionDenied("The reporter does not serve this person.")
    return _referral_create(municipality=grant.municipality, channel=channel,
                            reporter_user=grant.user, person=person, **fields)


def _referral_create(
    *,
    municipality: Municipality,
    channel: str,
    reporter_user: User | None = None,
    ip: str | None = None,
    person: Person | None = None,
    **fields: Any,
) -> Referral:
    now = timezone.now()
    referral = Referral(
        municipality=municipality,
        channel=channel,
        reporter_user=reporter_user,
        received_at=now,
        deadline=Referral.default_deadline(
            now, municipality.referral_deadline_days_for(fields.get("urgency") or Urgency.NORMAL)),
        receipt_code=_new_receipt_code(),
        submitter_ip_hash=_ip_fingerprint(ip) if channel == Channel.PUBLIC_FORM else "",
        **fields,
    )
    if person is not None:
        referral.person = person
        referral.subject_identity_number = person.identity_number
        referral.subject_birth_date = person.birth_date
    referral.full_clean(exclude=["person", "receipt_code"])
    # An anonymous form neither writes to the register nor attaches to it: the unit confirms
    # the match during triage (the report would otherwise open the person's record to a case
    # worker on the word of whoever typed the number).
    if referral.person is None and referral.subject_identity_number and channel != Channel.PUBLIC_FORM:
        referral.person = _match_or_register_person(
            municipality=municipality, referral=referral, actor=reporter_user
        )
    referral.save()
    audit_record(
        actor=reporter_user,
        actor_name="" if reporter_user else referral.reporter_name,
        action=Action.CREATE,
        resource="referral",
        resource_id=referral.pk,
        person=referral.person,
        municipality=municipality,
        purpose=_("Melding om behov mottatt"),
        ip=ip,
    )
    return referral


def _log(referral: Referral, grant: StaffGrant, action: str, purpose: str) -> None:
    audit_record(
        actor=grant.user, action=action, resource="referral", resource_id=referral.pk,
        person=referral.person, municipality=referral.municipality,
        role=Role.COORDINATING_UNIT, purpose=purpose,
    )


def _save(referral: Referral, expected_version: int | None, fields: list[str]) -> None:
    """Save on the version the unit saw; None (linking a person, refused once linked) on the one just read."""
    save_versioned(
        referral,
        expected_version=referral.version if expected_version is None else expected_version,
        fields=fields,
    )


@transaction.atomic
def _require_triage(grant: StaffGrant, referral: Referral) -> None:
    grant.require_role(Role.COORDINATING_UNIT)
    grant.require_owns(referral)


@transaction.atomic
def referral_assign(
    *, grant: StaffGrant, referral: Referral, assignee: User | None, expected_version: int
) -> Referral:
    """Give the report to a case worker (or take it back to the queue)."""
    _require_triage(grant, referral)
    if assignee is not None and not assignee.role_assignments.filter(
        municipality=grant.municipality, role__in=CLINICAL_ROLES
    ).exists():
        raise ValidationError(_("Velg en saksbehandler i kommunen."))
    referral.assigned_to = assignee
    referral.assigned_at = timezone.now() if assignee else None
    _save(referral, expected_version, ["assigned_to", "assigned_at"])
    if assignee is not None and assignee != grant.user:
        notify(kind=Kind.REFERRAL_ASSIGNED, key=f"referral-assigned:{referral.pk}:{referral.version}",
               recipient=Recipient(user=assignee), person=None, municipality=referral.municipality,
               url=reverse("referrals:detail", args=[referral.pk]), subject=referral)
    _log(referral, grant, Action.UPDATE,
         _("Tildelt %(name)s") % {"name": assignee.full_name} if assignee else _("Lagt tilbake i køen"))
    return referral


@transaction.atomic
def referral_link_person(*, grant: StaffGrant, referral: Referral, person: Person | None) -> Referral:
    """Attach the report to a person in the register, or register the person it describes."""
    _require_triage(grant, referral)
    grant.require_owns(person)
    if referral.person_id is not None:
        raise ValidationError(_("Meldingen er allerede koblet til en person."))
    if person is None:
        if not referral.subject_identity_number:
            raise ValidationError(_("Meldingen mangler fødselsnummer. Velg en person i registeret."))
        person = _match_or_register_person(
            municipality=referral.municipality, referral=referral, actor=grant.user
        )
    if person is None or person.municipality_id != referral.municipality_id:
        raise ValidationError(_("Fant ikke personen i kommunens register."))
    referral.person = person
    _save(referral, None, ["person"])
    _log(referral, grant, Action.UPDATE, _("Koblet til personregisteret"))
    return referral


@transaction.atomic
def referral_register_person(
    *,
    grant: StaffGrant,
    referral: Referral,
    given_name: str,
    family_name: str,
    birth_date: dt.date | None,
    identity_number: str = "",
    gender: str = Gender.UNKNOWN,
    phone: str = "",
    email: str = "",
    address: str = "",
) -> Person:
    """Register the person a report describes, in one step, from what the reporter typed.

    The unit checks and corrects the prefilled fields. A person already in the register with the
    same identity number is linked, never registered twice. Without an identity number the person
    is registered on the birth date and flagged (`Person.identity_missing`) until it is added.
    """
    _require_triage(grant, referral)
    if referral.person_id is not None:
        raise ValidationError(_("Meldingen er allerede koblet til en person."))
    person = Person(
        municipality=referral.municipality, given_name=given_name.strip(), family_name=family_name.strip(),
        gender=gender or Gender.UNKNOWN, phone=phone.strip(), email=email.strip(), address=address.strip(),
    )
    if birth_date is not None:
        person.birth_date = birth_date
    number_text = identity.compact(identity_number or "")
    if number_text:
        try:
            number = identity.parse(number_text, allow_synthetic=settings.ALLOW_SYNTHETIC_IDS)
        except identity.InvalidIdentityNumber as error:
            raise ValidationError({"identity_number": str(error)}) from None
        existing = Person.objects.filter(municipality=referral.municipality, identity_number=number.value).first()
        if existing is not None:
            referral.person = existing
            _save(referral, None, ["person"])
            _log(referral, grant, Action.UPDATE, _("Koblet til personregisteret"))
            return existing
        person.identity_number, person.identity_kind = number.value, str(number.kind)
        if number.birth_date is not None:
            person.birth_date = number.birth_date
        if person.gender == Gender.UNKNOWN:
            person.gender = {"F": Gender.FEMALE, "M": Gender.MALE}.get(number.sex or "", Gender.UNKNOWN)
    if person.birth_date is None:
        raise ValidationError({"birth_date": _("Oppgi fødselsdato når fødselsnummeret ikke er kjent.")})
    person.full_clean()
    person.save()
    audit_record(
        actor=grant.user, action=Action.CREATE, resource="person", resource_id=person.pk, person=person,
        role=Role.COORDINATING_UNIT,
        purpose=_("Registrert fra melding om behov")
        + ("" if person.identity_number else " " + _("(uten fødselsnummer)")),
    )
    referral.person = person
    _save(referral, None, ["person"])
    _log(referral, grant, Action.UPDATE, _("Koblet til personregisteret"))
    return person


@transaction.atomic
def referral_set_deadline(
    *, grant: StaffGrant, referral: Referral, deadline: dt.date, expected_version: int
) -> Referral:
    """Move the report's deadline (for example when more information is awaited)."""
    _require_triage(grant, referral)
    referral.deadline = deadline
    _save(referral, expected_version, ["deadline"])
    _log(referral, grant, Action.UPDATE, _("Ny frist %(date)s") % {"date": deadline})
    return referral


@transaction.atomic
def referral_close(
    *, grant: StaffGrant, referral: Referral, status: str, reason: str, expected_version: int
) -> Referral:
    """Close an open report as declined (the reporter is told) or withdrawn, with a reason."""
    _require_triage(grant, referral)
    if status not in (Status.DECLINED, Status.WITHDRAWN):
        raise ValueError(f"A report is closed as declined or withdrawn, not {status!r}")
    if not referral.is_open:
        raise ValidationError(_("Meldingen er allerede avsluttet."))
    referral.status = status
    referral.decline_reason = reason.strip()
    referral.closed_at = timezone.now()
    _save(referral, expected_version, ["status", "decline_reason", "closed_at"])
    _log(referral, grant, Action.UPDATE, _("Avslått") if status == Status.DECLINED else _("Trukket"))
    _tell_reporter(referral)
    return referral


def _tell_reporter(referral: Referral) -> None:
    """Tell a professional who reported in the app that the report is handled, in their inbox.

    A reporter from the public form is not told by e-mail: their address is not verified, and
    the unit contacts them by the phone number they gave if needed. Nothing about the decision
    is ever sent: it is the person's own.
    """
    if referral.reporter_user is not None:
        notify(kind=Kind.REFERRAL_CLOSED, key=f"referral-closed:{referral.pk}",
               recipient=Recipient(user=referral.reporter_user), person=None,
               municipality=referral.municipality, subject=referral)
