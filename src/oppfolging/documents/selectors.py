"""Reads of documents: what a grant may see, by the one rule in `access.policy.shared_with`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from oppfolging.access import policy
from oppfolging.access.grants import PersonGrant
from oppfolging.access.models import Visibility
from oppfolging.catalogue.models import Sector, Service
from oppfolging.documents.models import Document
from oppfolging.teams.models import Consent, ConsentScope


def documents_visible(*, grant: PersonGrant) -> QuerySet[Document]:
    """Return the person's current documents the grant may see, newest first."""
    return (
        Document.objects.current().filter(person=grant.person).filter(policy.shared_with(grant))
        .distinct().select_related("added_by", "consent").prefetch_related("services")
    )


def document_visible(*, grant: PersonGrant, document_id: int) -> Document | None:
    """Return one current document the grant may see, or None (the view answers 404)."""
    return documents_visible(grant=grant).filter(pk=document_id).first()


def shareable_services(*, grant: PersonGrant) -> QuerySet[Service]:
    """Return the services a record can be kept to: those the person consents to share with."""
    return Service.objects.filter(
        pk__in=Consent.objects.active().filter(person=grant.person, scope=ConsentScope.SHARE_WITH_SERVICE)
        .values("service_id")
    ).order_by("name")


def default_visibility(*, grant: PersonGrant) -> tuple[str, list[int]]:
    """Return the visibility a new record starts with for this writer.

    Child welfare keeps its own confidentiality (barnevernloven § 13-1): a writer acting for a
    child welfare service starts with the record kept to that service; everyone else starts
    with the whole team.
    """
    services = Service.objects.filter(pk__in=policy.viewer_services(grant), sector=Sector.CHILD_WELFARE)
    ids = list(services.values_list("pk", flat=True))
    if ids:
        return Visibility.SERVICES, ids
    return Visibility.TEAM, []


def person_storage_used(*, person_id: int) -> int:
    """Return the bytes the person's current documents take."""
    return sum(Document.objects.current().filter(person_id=person_id).values_list("size", flat=True))


def validate_visibility(*, grant: PersonGrant, visibility: str, services: list[Service]) -> list[Service]:
    """Return the services a shared record is kept to, or raise ValidationError.

    The person and next of kin share with the whole team or the staff; named services must be
    ones the person has consented to share with.
    """
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": _("Velg hvem som kan se det.")})
    if grant.is_portal and visibility == Visibility.SERVICES:
        raise ValidationError({"visibility": _("Velg hele teamet eller bare de ansatte.")})
    if visibility != Visibility.SERVICES:
        return []
    if not services:
        raise ValidationError({"services": _("Velg minst én tjeneste.")})
    shareable = set(shareable_services(grant=grant).values_list("pk", flat=True))
    if any(service.pk not in shareable for service in services):
        raise ValidationError({"services": _("Personen har ikke samtykket til deling med en av tjenestene du valgte.")})
    return services
