"""Writes to the person register. Each one validates, saves and logs in one transaction."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.utils.translation import gettext as _

from oppfolging.access.grants import PersonGrant, StaffGrant
from oppfolging.accounts.models import Role
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_grant, audit_record
from oppfolging.lib import identity
from oppfolging.lib.versioning import save_versioned
from oppfolging.people.models import Person, RelatedPerson
from oppfolging.portal.models import CitizenAccount

PERSON_FIELDS = (
    "given_name", "family_name", "identity_number", "birth_date", "gender", "phone", "email",
    "address", "postal_code", "postal_place", "needs_interpreter", "preferred_language", "gp",
    "notify_email", "notify_sms",
)
RELATED_FIELDS = (
    "given_name", "family_name", "identity_number", "relationship", "is_guardian",
    "has_parental_responsibility", "is_primary_contact", "phone", "email", "address", "postal_code",
    "postal_place", "notify_email", "notify_sms", "scores_for_person",
)


def parse_identity_number(value: str) -> identity.IdentityNumber:
    """Parse an identity number under this installation's rule for synthetic numbers."""
    try:
        return identity.parse(value, allow_synthetic=settings.ALLOW_SYNTHETIC_IDS)
    except identity.InvalidIdentityNumber as error:
        raise ValidationError({"identity_number": str(error)}) from None


def _apply_identity(person: Person) -> None:
    if not identity.compact(person.identity_number or ""):
        # Registered before the number is known: flagged until it is added (Person.identity_missing).
        person.identity_number, person.identity_kind = "", ""
        if not person.birth_date:
            raise ValidationError({"birth_date": _("Oppgi fødselsdato når fødselsnummeret ikke er kjent.")})
        return
    number = parse_identity_number(person.identity_number)
    person.identity_number = number.value
    person.identity_kind = str(number.kind)
    if number.birth_date is not None:
        if person.birth_date and person.birth_date != number.birth_date:
            raise ValidationError(
                {"birth_date": _("Fødselsdatoen stemmer ikke med fødselsnummeret.")}
            )
        person.birth_date = number.birth_date
    elif not person.birth_date:
        raise ValidationError({"birth_date": _("Oppgi fødselsdato for dette nummeret.")})


class PersonAlreadyRegistered(ValidationError):
    """The identity number is taken in the municipality; `person` is who has it, for a link."""

    def __init__(self, person: Person) -> None:
        super().__init__({"identity_number": _("Denne personen er allerede registrert i kommunen.")})
        self.person = person


def _registered(person: Person) -> Person | None:
    """Return the person already registered in the municipality with this one's identity number."""
    if not person.identity_number:
        return None
    return Person.objects.filter(municipality_id=person.municipality_id, identity_number=person.identity_number).first()


@transaction.atomic
def person_create(*, grant: StaffGrant, **fields: Any) -> Person:
    """Register a person in the municipality; one person per identity number."""
    grant.require_role(Role.COORDINATING_UNIT)
    municipality = grant.municipality
    person = Person(municipality=municipality, **fields)
    _apply_identity(person)
    if (existing := _registered(person)) is not None:
        raise PersonAlreadyRegistered(existing)
    person.full_clean()
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # Someone registered the same number between the check above and this save: the loser
        # of the race is led to the person the winner registered.
        if (existing := _registered(person)) is None:
            raise
        raise PersonAlreadyRegistered(existing) from None
    audit_record(
        actor=grant.user,
        action=Action.CREATE,
        resource="person",
        resource_id=person.pk,
        person=person,
        role=Role.COORDINATING_UNIT,
        purpose=_("Registrert i personregisteret"),
    )
    return person


@transaction.atomic
def person_update(
    *, grant: PersonGrant, expected_version: int, **fields: Any
) -> Person:
    """Change a person's register data, refusing to overwrite someone else's newer change."""
    grant.require_write()
    person = grant.person
    old_number = Person.objects.filter(pk=person.pk).values_list("identity_number", flat=True).first() or ""
    for name, value in fields.items():
        setattr(person, name, value)
    _apply_identity(person)
    clash = Person.objects.filter(
        municipality=person.municipality, identity_number=person.identity_number
    ).exclude(pk=person.pk)
    if person.identity_number and clash.exists():
        raise ValidationError(
            {"identity_number": _("En annen person i kommunen har dette nummeret.")}
        )
    person.full_clean(exclude=["municipality"])
    save_versioned(person, expected_version=expected_version, fields=PERSON_FIELDS + ("identity_kind",))
    audit_grant(grant=grant, action=Action.UPDATE, resource="person")
    _portal_access_reevaluate(grant=grant, record=person, old_number=old_number)
    return person


@transaction.atomic
def related_person_create(
    *, grant: PersonGrant, **fields: Any
) -> RelatedPerson:
    """Add a next of kin, guardian or parent to a person."""
    grant.require_write()
    related = RelatedPerson(person=grant.person, **fields)
    _check_related_identity(related)
    related.full_clean()
    related.save()
    audit_grant(
        grant=grant, action=Action.CREATE, resource="related_person", resource_id=related.pk,
    )
    return related


@transaction.atomic
def related_person_update(
    *,
    grant: PersonGrant,
    related: RelatedPerson,
    expected_version: int,
    **fields: Any,
) -> RelatedPerson:
    """Change a related person, refusing to overwrite a newer change."""
    grant.require_write()
    grant.require_owns(related)
    old_number = RelatedPerson.objects.filter(pk=related.pk).values_list("identity_number", flat=True).first() or ""
    for name, value in fields.items():
        setattr(related, name, value)
    _check_related_identity(related)
    related.full_clean()
    save_versioned(related, expected_version=expected_version, fields=RELATED_FIELDS)
    audit_grant(
        grant=grant, action=Action.UPDATE, resource="related_person", resource_id=related.pk,
    )
    _portal_access_reevaluate(grant=grant, record=related, old_number=old_number)
    return related


@transaction.atomic
def related_person_delete(
    *, grant: PersonGrant, related: RelatedPerson
) -> None:
    """Remove a related person from the person's record (not while a consent or team role names them)."""
    grant.require_write()
    grant.require_owns(related)
    related_id = related.pk
    try:
        with transaction.atomic():
            related.delete()
    except ProtectedError:
        raise ValidationError(
            _("%(name)s kan ikke fjernes: de har et samtykke, er med i teamet, eller har skrevet mål eller "
              "forslag som står i planens historikk. Trekk samtykket og avslutt deltakelsen i teamet, så "
              "ser de ikke lenger noe; det de har skrevet, blir stående.") % {"name": related.full_name}
        ) from None
    audit_grant(
        grant=grant, action=Action.DELETE, resource="related_person", resource_id=related_id,
    )


def _check_related_identity(related: RelatedPerson) -> None:
    if related.identity_number:
        related.identity_number = parse_identity_number(related.identity_number).value


def portal_links_sync(*, identity_number: str) -> None:
    """Point the register's «Min plan» links for a number at the account bound to it.

    Access is derived from identity numbers (`access.policy.portal_grants`); the links
    (`Person.user`, `RelatedPerson.user`) only tell who has an account. Records with the number
    are linked to the account bound to it; links from that account to records with another
    number, and links from other bound accounts to records with this number, are removed.
    """
    if not identity_number:
        return
    account = CitizenAccount.objects.filter(identity_number=identity_number).first()
    stale = Q(user__citizen_account__isnull=False) & ~Q(user__citizen_account__identity_number=identity_number)
    Person.objects.filter(stale, identity_number=identity_number).update(user=None)
    RelatedPerson.objects.filter(stale, identity_number=identity_number).update(user=None)
    if account is None:
        return
    Person.objects.filter(user=account.user_id).exclude(identity_number=identity_number).update(user=None)
    RelatedPerson.objects.filter(user=account.user_id).exclude(identity_number=identity_number).update(user=None)
    RelatedPerson.objects.filter(identity_number=identity_number).update(user=account.user_id)
    # A person's link is one to one: the first record with the number carries it.
    if not Person.objects.filter(user=account.user_id).exists():
        first = Person.objects.filter(identity_number=identity_number).order_by("pk").first()
        if first is not None:
            Person.objects.filter(pk=first.pk).update(user=account.user_id)


def _portal_access_reevaluate(*, grant: PersonGrant, record: Person | RelatedPerson, old_number: str) -> None:
    """Move «Min plan» access with a corrected identity number, and log that it moved.

    Access follows the number at request time already; this brings the account links in step
    and writes an entry naming both numbers' accounts, so the unit can see whose access changed.
    """
    if old_number == record.identity_number:
        return
    for number in (old_number, record.identity_number):
        portal_links_sync(identity_number=number)
    accounts = CitizenAccount.objects.filter(identity_number__in=[n for n in (old_number, record.identity_number) if n])
    resource = "person" if isinstance(record, Person) else "related_person"
    audit_grant(
        grant=grant, action=Action.UPDATE, resource=resource, resource_id=record.pk,
        purpose=_("Fødselsnummeret er rettet; tilgangen i «Min plan» er vurdert på nytt (%(n)s kontoer berørt)")
        % {"n": accounts.count()},
    )
