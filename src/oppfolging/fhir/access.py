"""Who is calling the FHIR API, and what the access policy lets them see.

A caller is a registered client with a verified token, acting either for a user (HelseID token
on behalf of a GP or other staff, matched on HPR number or identity number; or a person's own
account) or for itself (client credentials, bound to the client's municipality). The policy then
applies exactly as for pages: staff through `persons_visible_to` / `person_grant`, the person
and next of kin through their «Min plan» grants, a municipality system through the system rule
of the policy. The token's scopes, and the registry's, only ever narrow this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import QuerySet

from oppfolging.access import policy
from oppfolging.access.grants import PersonGrant, PortalGrant
from oppfolging.accounts.helseid import hpr_number_of, pid_of, user_for_claims
from oppfolging.accounts.models import Municipality, Role, User
from oppfolging.fhir import scopes as smart
from oppfolging.fhir.auth import AuthError, bearer_token, verify
from oppfolging.fhir.models import ApiClient
from oppfolging.people.models import Person


class Forbidden(Exception):
    """The caller is known, but the token does not allow this (403)."""


@dataclass
class Caller:
    """The client, the user it acts for (None for a system token), and the scopes in force."""

    client: ApiClient
    user: User | None
    token_scopes: smart.Scopes
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def context(self) -> str:
        return "user" if self.user is not None else "system"

    @cached_property
    def client_scopes(self) -> smart.Scopes:
        return smart.parse(self.client.scopes)

    def allows(self, resource_type: str, action: str) -> bool:
        """Tell whether both the token and the client's registry entry allow the action."""
        return self.token_scopes.allows(self.context, resource_type, action) and self.client_scopes.allows(
            self.context, resource_type, action
        )

    def require(self, resource_type: str, action: str) -> None:
        if not self.allows(resource_type, action):
            raise Forbidden(f"The token has no scope for {self.context}/{resource_type}.{action}.")

    @cached_property
    def is_staff(self) -> bool:
        return self.user is not None and bool(policy.role_assignments(self.user))

    @cached_property
    def portal_grants(self) -> list[PortalGrant]:
        if self.user is None or self.is_staff:
            return []
        return [g for g in policy.portal_grants(user=self.user) if self._in_client_municipality(g.person)]

    @property
    def is_portal(self) -> bool:
        return self.user is not None and not self.is_staff

    def _in_client_municipality(self, person: Person) -> bool:
        return self.client.municipality_id is None or person.municipality_id == self.client.municipality_id

    def persons(self) -> QuerySet[Person]:
        """Return the persons the caller may see now (the policy's filter, narrowed by the client)."""
        if self.user is None:
            return policy.persons_visible_to_system(municipality=self.client.municipality)
        if self.is_staff:
            persons = policy.persons_visible_to(user=self.user)
        else:
            persons = Person.objects.filter(pk__in=[g.person.pk for g in self.portal_grants])
        if self.client.municipality_id is not None:
            persons = persons.filter(municipality_id=self.client.municipality_id)
        return persons

    def person_grant(self, person: Person, *, resource_type: str = "") -> PersonGrant | None:
        """Return the grant the caller reads or writes the person's data under, or None."""
        if not self._in_client_municipality(person):
            return None
        if self.user is None:
            return policy.system_person_grant(
                municipality=self.client.municipality, person=person, client_name=self.client.name,
                can_write=bool(resource_type) and self.allows(resource_type, smart.WRITE),
            )
        if self.is_staff:
            return policy.person_grant(user=self.user, person=person)
        portal = self.portal_grant(person)
        return portal.as_person_grant() if portal else None

    def portal_grant(self, person: Person) -> PortalGrant | None:
        return next((g for g in self.portal_grants if g.person.pk == person.pk), None)

    def municipalities(self) -> QuerySet[Municipality]:
        """Return the municipalities whose non-personal records (staff, services) the caller sees."""
        if self.user is None:
            ids = [self.client.municipality_id] if self.client.municipality_id else []
        elif self.is_staff:
            ids = [a.municipality_id for a in policy.role_assignments(self.user) if a.municipality_id]
        else:
            ids = [g.person.municipality_id for g in self.portal_grants]
        municipalities = Municipality.objects.filter(pk__in=ids)
        if self.client.municipality_id is not None:
            municipalities = municipalities.filter(pk=self.client.municipality_id)
        return municipalities

    def municipalities_with_role(self, *roles: str) -> QuerySet[Municipality]:
        """Return the caller's municipalities where the user holds one of the roles.

        A municipality's system counts as holding them in its own municipality.
        """
        if self.user is None:
            return self.municipalities()
        if not self.is_staff:
            return Municipality.objects.none()
        return self.municipalities().filter(pk__in=policy.municipalities_with_role(self.user, roles))

    @property
    def actor_label(self) -> str:
        return self.user.full_name if self.user is not None else self.client.name


AGGREGATE_ROLES = (Role.LEADER, Role.COORDINATING_UNIT, Role.ADMINISTRATOR)


def caller_for(authorization: str) -> Caller:
    """Return the caller an Authorization header names; AuthError (401) or Forbidden (403)."""
    claims = verify(bearer_token(authorization))
    client_id = str(claims.get("client_id") or claims.get("azp") or "")
    client = ApiClient.objects.select_related("municipality").filter(
        client_id=client_id, is_active=True).first() if client_id else None
    if client is None:
        raise AuthError("The token's client is not registered for this API.")
    user = None
    if hpr_number_of(claims) or pid_of(claims):
        user = user_for_claims(claims)
        if user is None:
            raise Forbidden("The token's user is not a user of Oppfølging.")
    return Caller(client=client, user=user, token_scopes=smart.parse(claims.get("scope")), claims=claims)
