"""Sign-in for the person and next of kin through ID-porten (OpenID Connect).

ID-porten identifies the citizen by their fødselsnummer in the `pid` claim. A citizen gets an
account here only when the register knows them, as a person followed up or as a related person;
everyone else is refused. Configured with the OIDC_* variables (docs/portal.md).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from oppfolging.accounts.models import User
from oppfolging.people.models import Person, RelatedPerson


def username_for(pid: str) -> str:
    """Return a stable user name that does not reveal the identity number."""
    return "idporten-" + hashlib.sha256(pid.encode()).hexdigest()[:20]


class IdPortenBackend(OIDCAuthenticationBackend):
    """Match ID-porten's `pid` to the person register instead of an e-mail address."""

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        pid = str(claims.get("pid", ""))
        return len(pid) == 11 and pid.isdigit()

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        pid = str(claims.get("pid", ""))
        if not pid:
            return User.objects.none()
        return User.objects.filter(
            Q(person_record__identity_number=pid) | Q(related_person_records__identity_number=pid)
        ).distinct()

    @transaction.atomic
    def create_user(self, claims: dict[str, Any]) -> User | None:
        pid = str(claims["pid"])
        persons = Person.objects.filter(identity_number=pid, user__isnull=True)
        related = RelatedPerson.objects.filter(identity_number=pid, user__isnull=True)
        if not persons.exists() and not related.exists():
            return None
        source = persons.first() or related.first()
        assert source is not None  # one of them exists (checked above)
        user = User.objects.create(
            username=username_for(pid), first_name=source.given_name, last_name=source.family_name
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        persons.update(user=user)
        related.update(user=user)
        return user

    def describe_user_by_claims(self, claims: dict[str, Any]) -> str:
        return "an ID-porten citizen"
