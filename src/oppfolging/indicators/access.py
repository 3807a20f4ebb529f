"""Who may see the indicators: checks written here, built on the one access policy."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from oppfolging.access import policy
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.accounts.models import Municipality, User


def get_municipality_for_aggregates(request: AuthenticatedHttpRequest, number: str) -> Municipality:
    """Return the municipality whose indicators the user may see; 404 to outsiders, 403 to others.

    Leaders, the coordinating unit and administrators see their own municipality's figures
    (policy.can_see_aggregates). Anyone without a role in the municipality gets 404, as if it
    did not exist; the evaluator sees only the suppressed comparison.
    """
    user: User = request.user
    municipality = Municipality.objects.filter(number=number).first()
    if municipality is None or not policy.can_use_municipality(user, municipality):
        raise Http404("No such municipality.")
    if not policy.can_see_aggregates(user, municipality):
        raise PermissionDenied("Indicators are for leaders and the coordinating unit.")
    return municipality


def require_evaluator(request: AuthenticatedHttpRequest) -> None:
    """Let only evaluators through to the cross-municipality view; 404 for everyone else."""
    if not policy.is_evaluator(request.user):
        raise Http404("No such page.")
