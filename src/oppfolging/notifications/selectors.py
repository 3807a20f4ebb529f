"""Reads for the inbox: what waits on a staff user, letters to print, deliveries that failed."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from oppfolging.access import policy
from oppfolging.accounts.models import Municipality, User
from oppfolging.notifications.models import Delivery, DeliveryStatus, Kind, Notification
from oppfolging.teams.models import CoordinatorAssignment


def inbox_of(*, user: User, include_done: bool = False) -> QuerySet[Notification]:
    """Return what waits on the user, newest first: only about persons they may still see.

    An item about a person the user no longer serves (they left the team, consent was
    withdrawn) stays in the database but is not shown, exactly as the person's pages are not.
    The one exception is the news that a team they were in has ended, which took their access.
    """
    items = Notification.objects.filter(recipient_user=user)
    if not include_done:
        items = items.filter(done_at__isnull=True)
    visible = policy.persons_visible_to(user=user).values("pk")
    return (
        items.filter(Q(person__isnull=True) | Q(person__in=visible) | Q(kind=Kind.TEAM_CLOSED))
        .select_related("person")
        .order_by("-created_at", "-pk")
    )


def inbox_count(*, user: User) -> int:
    """Return how many items wait on the user (the number in the header)."""
    return inbox_of(user=user).count()


def letters_to_print(*, user: User, municipality: Municipality) -> QuerySet[Delivery]:
    """Return letters waiting to be posted: the unit's for the whole municipality, else the coordinator's own."""
    letters = Delivery.objects.filter(
        status=DeliveryStatus.TO_PRINT, notification__municipality=municipality
    ).select_related("notification__person", "notification__recipient_person", "notification__recipient_related")
    if policy.can_triage(user, municipality):
        return letters.order_by("notification__created_at")
    coordinated = CoordinatorAssignment.objects.active().filter(coordinator=user).values(
        "team__person_id")
    return letters.filter(notification__person__in=coordinated).order_by("notification__created_at")


def failed_deliveries(*, municipality: Municipality) -> QuerySet[Delivery]:
    """Return messages that did not get through after every attempt, for the administrator."""
    return (
        Delivery.objects.filter(status=DeliveryStatus.FAILED, notification__municipality=municipality)
        .select_related("notification")
        .order_by("-notification__created_at")
    )
