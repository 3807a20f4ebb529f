"""Access helpers called at the top of every view: 404 for "not yours", 403 for read-only."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404

from oppfolging.access import policy
from oppfolging.accounts.http import AuthenticatedHttpRequest, MunicipalityHttpRequest
from oppfolging.accounts.models import Municipality, Role, User
from oppfolging.audit.models import Action
from oppfolging.audit.services import (
    audit_person_read,
    audit_read_when_answered,
    audit_record,
    client_ip,
)
from oppfolging.catalogue.models import Service
from oppfolging.people.models import Person
from oppfolging.referrals.models import Referral


def get_person_for_user(
    request: AuthenticatedHttpRequest,
    person_id: int,
    *,
    write: bool = False,
    resource: str = "person",
    purpose: str = "",
    log_read: bool = True,
) -> policy.PersonGrant:
    """Return the user's grant to a person, logging a read (GET); 404 if none, 403 if read-only.

    The read is logged when the page is answered, so a request refused further on is no read.
    Writes are logged by the service that makes them, with the same grant; a view that logs
    what it shows itself (an export) passes log_read=False, so one look is one entry.
    """
    person = Person.objects.select_related("municipality", "gp").filter(pk=person_id).first()
    user = request.user
    grant = policy.person_grant(user=user, person=person) if person else None
    if grant is None:
        raise Http404("No such person.")
    if write and not grant.can_write:
        raise PermissionDenied("Read-only access to this person.")
    if log_read and request.method in ("GET", "HEAD"):
        audit_person_read(request, grant, resource=resource, purpose=purpose)
    return grant


def active_municipality(request: MunicipalityHttpRequest) -> Municipality:
    """Return the municipality the user works in now; 404 when they work in none."""
    municipality = getattr(request, "municipality", None)
    if municipality is None:
        raise Http404("No municipality.")
    return municipality


def require_in_municipality(
    request: AuthenticatedHttpRequest, check: Callable[[User, Municipality], bool]
) -> Municipality:
    """Return the active municipality if the check passes; 404 for outsiders, 403 otherwise."""
    municipality = active_municipality(request)
    user = request.user
    if not policy.can_use_municipality(user, municipality):
        raise Http404
    if not check(user, municipality):
        raise PermissionDenied
    return municipality


def get_staff_grant(
    request: AuthenticatedHttpRequest, check: Callable[[User, Municipality], bool]
) -> policy.StaffGrant:
    """Return the user's grant in the active municipality if the check passes (404/403 otherwise)."""
    municipality = require_in_municipality(request, check)
    grant = policy.staff_grant(user=request.user, municipality=municipality)
    if grant is None:
        raise Http404
    return grant


def get_service_for_user(request: AuthenticatedHttpRequest, service_id: int, *, write: bool = False) -> Service:
    """Return a catalogue service of one of the user's municipalities; 404 otherwise."""
    user = request.user
    service = Service.objects.select_related("municipality").filter(pk=service_id).first()
    if service is None or not policy.can_use_municipality(user, service.municipality):
        raise Http404("No such service.")
    if write and not policy.can_edit_catalogue(user, service.municipality):
        raise PermissionDenied("The catalogue is read-only for you.")
    return service


def get_referral_for_user(request: AuthenticatedHttpRequest, referral_id: int) -> Referral:
    """Return a report of need the user may open, logging the read; 404 otherwise."""
    user = request.user
    referral = (
        Referral.objects.select_related("municipality", "person", "assigned_to")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None or not policy.referrals_visible_to(
        user=user, municipality=referral.municipality
    ).filter(pk=referral.pk).exists():
        raise Http404("No such report.")
    if request.method in ("GET", "HEAD"):
        role = Role.COORDINATING_UNIT if policy.can_triage(user, referral.municipality) else ""
        purpose = str(policy.BASIS_LABELS[policy.Basis.CASE_WORKER]) if referral.assigned_to_id == user.pk \
            else str(policy.BASIS_LABELS[policy.Basis.COORDINATING_UNIT])
        ip = client_ip(request)
        audit_read_when_answered(request, ("referral", referral.pk), lambda: audit_record(
            actor=user, action=Action.READ, resource="referral", resource_id=referral.pk,
            person=referral.person, municipality=referral.municipality, role=role, purpose=purpose, ip=ip,
        ))
    return referral


def get_portal_grant(request: AuthenticatedHttpRequest, person_id: int, *, resource: str = "portal") -> policy.PortalGrant:
    """Return the signed-in person's or next of kin's «Min plan» grant, logging a read; 404 if none."""
    grant = policy.portal_grant(user=request.user, person_id=person_id)
    if grant is None:
        raise Http404("No such plan.")
    if request.method in ("GET", "HEAD"):
        audit_person_read(request, grant.as_person_grant(), resource=resource, purpose=grant.basis_text)
    return grant
