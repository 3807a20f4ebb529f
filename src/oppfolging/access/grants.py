"""Grants: what the access policy hands to a service, and the one-line checks services make.

The policy (access/policy.py) decides *whether* a user may see a person and on what basis; the
answer is a grant. Every service that reads or writes personal data takes a grant and checks it
itself, so a caller that is not a view (an API, a background job, the portal, the demo) cannot
forget the rule:

    grant.require_write()            # this grant may change the person's data
    grant.require_owns(goal, plan)   # these objects belong to the grant's person

A grant for a person never reaches another person's data; a staff grant for a municipality never
reaches another municipality's. A refusal raises PermissionDenied (403 in a view; the views turn
"not yours" into 404 before a service is ever called).

This module sits below the policy and the services: it imports only the models it names, so
services can import it without importing the policy's rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from django.core.exceptions import PermissionDenied
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from oppfolging.access.models import BreakGlassAccess
from oppfolging.accounts.models import Municipality, Role, User
from oppfolging.people.models import Person, RelatedPerson
from oppfolging.portal.models import ScoredBy


class Basis(StrEnum):
    """Why a user may see a person. Shown to the person in their access log."""

    COORDINATING_UNIT = "coordinating_unit"
    COORDINATOR = "coordinator"
    GP = "gp"
    TEAM_MEMBER = "team_member"
    CASE_WORKER = "case_worker"
    ASSESSMENT = "assessment"
    BREAK_GLASS = "break_glass"
    PERSON_SELF = "person_self"
    NEXT_OF_KIN = "next_of_kin"
    SYSTEM = "system"
    # A municipality's own system calling the FHIR API with a client-credentials token
    # (issue 15): read-only unless its scopes allow a write the service itself permits.
    SYSTEM_CLIENT = "system_client"


BASIS_LABELS = {
    Basis.COORDINATING_UNIT: _("koordinerende enhet i kommunen"),
    Basis.COORDINATOR: _("personens koordinator"),
    Basis.GP: _("personens fastlege"),
    Basis.TEAM_MEMBER: _("deltaker i personens oppfølgingsteam"),
    Basis.CASE_WORKER: _("saksbehandler for en melding om behov"),
    Basis.ASSESSMENT: _("deltaker i kartlegging av behov"),
    Basis.BREAK_GLASS: _("nødtilgang"),
    Basis.PERSON_SELF: _("personen selv"),
    Basis.NEXT_OF_KIN: _("pårørende med samtykke, vergemål eller foreldreansvar"),
    Basis.SYSTEM: _("automatisk oppgave i Oppfølging"),
    Basis.SYSTEM_CLIENT: _("fagsystem i kommunen, gjennom FHIR-grensesnittet"),
}

# Bases on which a user takes part in the person's follow-up (see PersonGrant.serves).
SERVING_BASES = frozenset(
    {Basis.COORDINATING_UNIT, Basis.COORDINATOR, Basis.TEAM_MEMBER, Basis.GP}
)

# Roles that meet persons and so may open emergency access; leaders and evaluators never do.
CLINICAL_ROLES = frozenset({Role.COORDINATING_UNIT, Role.COORDINATOR, Role.TEAM_MEMBER, Role.GP})

# The name written in the log and history when the system itself acts (reminders, sending).
SYSTEM_NAME = "Oppfølging (automatisk)"


@runtime_checkable
class BelongsToPerson(Protocol):
    """A record that belongs to one person: it names that person's id."""

    @property
    def owner_person_id(self) -> int: ...


def person_id_of(obj: object) -> int | None:
    """Return the id of the person a record belongs to, or None when it names none."""
    if isinstance(obj, Person):
        return obj.pk
    if isinstance(obj, BelongsToPerson):
        return obj.owner_person_id
    person_id = getattr(obj, "person_id", None)
    return person_id if isinstance(person_id, int) else None


def municipality_id_of(obj: object) -> int | None:
    """Return the id of the municipality a record belongs to, or None when it names none."""
    if isinstance(obj, Municipality):
        return obj.pk
    municipality_id = getattr(obj, "municipality_id", None)
    return municipality_id if isinstance(municipality_id, int) else None


@dataclass(frozen=True)
class PersonGrant:
    """A user's right to one person's data, and the basis it rests on.

    `user` is who acts under the grant: the staff user, the person or next of kin signed in to
    «Min plan», or None for the system's own jobs (reminders, sending), which never act for a
    user and are logged under SYSTEM_NAME.
    """

    person: Person
    basis: Basis
    role: str
    unit: str
    can_write: bool
    break_glass: BreakGlassAccess | None = None
    user: User | None = None
    # In «Min plan»: the person, a guardian, or a parent of a child, who may state the
    # person's own wishes and consents; a next of kin on the person's consent may not.
    speaks_for_person: bool = False
    # In «Min plan», for a next of kin: which of the person's next of kin the reader is.
    related_person: RelatedPerson | None = None

    @property
    def basis_label(self) -> str:
        return str(BASIS_LABELS[self.basis])

    @property
    def serves(self) -> bool:
        """Tell whether the user serves the person in the team (not only reads by exception).

        Small contributions such as agenda items, messages and progress reports need this;
        emergency access, case work and assessment participation never do.
        """
        return self.basis in SERVING_BASES

    @property
    def is_system(self) -> bool:
        return self.basis is Basis.SYSTEM

    @property
    def is_portal(self) -> bool:
        """Tell whether the grant is the person's own or a next of kin's, from «Min plan»."""
        return self.basis in (Basis.PERSON_SELF, Basis.NEXT_OF_KIN)

    def require_write(self) -> None:
        """Refuse unless the grant may change the person's data."""
        if not self.can_write:
            raise PermissionDenied("Read-only access to this person.")

    def require_serves(self) -> None:
        """Refuse unless the user serves the person in the team (see `serves`)."""
        if not (self.serves or self.is_system):
            raise PermissionDenied("Only those who serve the person may do this.")

    def require_consent_right(self) -> None:
        """Refuse unless the grant may record or withdraw the person's consent.

        Staff with write access record what the person consented to; in «Min plan» the person,
        a guardian or a parent of a child do it themselves.
        """
        if self.is_portal:
            if not self.speaks_for_person:
                raise PermissionDenied("Only the person, a guardian or a parent may do this.")
        else:
            self.require_write()

    def require_owns(self, *objects: object) -> None:
        """Refuse unless every object belongs to the grant's person.

        An object that names no person (None is skipped) is refused: the check must never pass
        by default.
        """
        for obj in objects:
            if obj is None:
                continue
            if person_id_of(obj) != self.person.pk:
                raise PermissionDenied("The record belongs to another person.")

    def require_user(self) -> User:
        """Return the acting user; refused for the system's own grant."""
        if self.user is None:
            raise PermissionDenied("This needs a signed-in user.")
        return self.user

    @classmethod
    def system(cls, person: Person, *, can_write: bool = True) -> PersonGrant:
        """Return the grant the system's own jobs act under for one person (never a user's)."""
        return cls(person, Basis.SYSTEM, "system", "", can_write)


@dataclass(frozen=True)
class StaffGrant:
    """A staff user's standing in one municipality: the roles they hold there.

    Taken by services that work on a municipality's records rather than one person's (the
    coordinating unit's queue of reports, the catalogue, the coordinator pool, staff).
    """

    user: User
    municipality: Municipality
    roles: frozenset[str] = field(default_factory=frozenset)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def require_role(self, *roles: str) -> None:
        """Refuse unless the user holds one of the roles in the municipality."""
        if not self.has_role(*roles):
            raise PermissionDenied("Your role does not allow this.")

    def require_owns(self, *objects: object) -> None:
        """Refuse unless every object belongs to the grant's municipality (None is skipped)."""
        for obj in objects:
            if obj is None:
                continue
            if municipality_id_of(obj) != self.municipality.pk:
                raise PermissionDenied("The record belongs to another municipality.")


class PortalBasis(StrEnum):
    SELF = "self"
    CONSENT = "consent"
    GUARDIAN = "guardian"
    PARENT = "parent"


PORTAL_BASIS_LABELS = {
    PortalBasis.SELF: _("Dette er din egen plan."),
    PortalBasis.CONSENT: _("Du ser planen fordi %(name)s har samtykket til at du deltar."),
    PortalBasis.GUARDIAN: _("Du ser planen fordi du er verge for %(name)s."),
    PortalBasis.PARENT: _("Du ser planen fordi du har foreldreansvar for %(name)s, som er under 18 år."),
}


@dataclass(frozen=True)
class PortalGrant:
    """Why a signed-in person or next of kin may see a person's plan, and what they may do."""

    person: Person
    basis: PortalBasis
    related_person: RelatedPerson | None = None
    user: User | None = None

    @property
    def basis_text(self) -> str:
        return str(PORTAL_BASIS_LABELS[self.basis]) % {"name": self.person.given_name}

    @property
    def is_self(self) -> bool:
        return self.basis is PortalBasis.SELF

    @property
    def person_genitive(self) -> str:
        """Return the person's given name as a possessive ("Astrids", "Jonas'"; "Astrid's" in English),
        for texts a next of kin reads: «Astrids koordinator», never «din koordinator»."""
        name = self.person.given_name
        if get_language().startswith("en"):
            return f"{name}'s"
        return f"{name}'" if name[-1:].lower() in ("s", "x", "z") else f"{name}s"

    @property
    def may_manage_consent(self) -> bool:
        """The person decides on consent; for a child or a ward, the parent or guardian does."""
        return self.basis in (PortalBasis.SELF, PortalBasis.GUARDIAN, PortalBasis.PARENT)

    @property
    def may_speak_for_person(self) -> bool:
        """Tell whether the reader may state the person's own wishes: the person, a guardian,
        or a parent of a child. A next of kin on the person's consent takes part, but never
        speaks as the person."""
        return self.may_manage_consent

    @property
    def may_score_psfs(self) -> bool:
        """Tell whether the reader may score the person's PSFS activities: the person; on their
        behalf a guardian, a parent of a child, or a next of kin the person explicitly asked to.
        A next of kin otherwise never scores as if they were the person."""
        return self.may_speak_for_person or bool(
            self.related_person is not None and self.related_person.scores_for_person)

    @property
    def psfs_scorer(self) -> ScoredBy:
        """Return who a score given by this reader is labelled with."""
        if self.is_self:
            return ScoredBy.PERSON
        if self.basis == PortalBasis.GUARDIAN:
            return ScoredBy.GUARDIAN
        if self.basis == PortalBasis.PARENT:
            return ScoredBy.PARENT
        return ScoredBy.NEXT_OF_KIN_BY_WISH

    @property
    def actor_kind(self) -> str:
        return "person" if self.is_self else "next_of_kin"

    def require_self(self) -> None:
        """Refuse unless the reader is the person."""
        if not self.is_self:
            raise PermissionDenied("Only the person may do this.")

    def require_speaks_for_person(self) -> None:
        """Refuse unless the reader may state the person's own wishes."""
        if not self.may_speak_for_person:
            raise PermissionDenied("Only the person, a guardian or a parent may do this.")

    def require_owns(self, *objects: object) -> None:
        """Refuse unless every object belongs to the grant's person (None is skipped)."""
        self.as_person_grant().require_owns(*objects)

    def as_person_grant(self) -> PersonGrant:
        """Return the grant in the shape the write services and the audit log take."""
        basis = Basis.PERSON_SELF if self.is_self else Basis.NEXT_OF_KIN
        return PersonGrant(self.person, basis, self.actor_kind, "", False, user=self.user,
                           speaks_for_person=self.may_speak_for_person, related_person=self.related_person)

