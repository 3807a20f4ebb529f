"""Sign-in lock-out and staff administration."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access.grants import StaffGrant
from oppfolging.accounts.models import LoginFailure, Municipality, Role, RoleAssignment, User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.catalogue.models import Service


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def login_is_locked(*, username: str) -> bool:
    """Tell whether too many recent failures have locked this user name."""
    recent = LoginFailure.objects.filter(username__iexact=username, at__gte=_window_start())
    return recent.count() >= settings.LOGIN_FAILURE_LIMIT


def login_failure_record(*, username: str, ip: str | None) -> None:
    """Record a failed sign-in for the lock-out count."""
    LoginFailure.objects.create(username=username[:150], ip=ip)


def login_failures_clear(*, username: str) -> None:
    """Forget failures after a successful sign-in; old rows are pruned at the same time."""
    LoginFailure.objects.filter(username__iexact=username).delete()
    LoginFailure.objects.filter(at__lt=timezone.now() - dt.timedelta(days=30)).delete()


@transaction.atomic
def staff_user_create(
    *,
    grant: StaffGrant,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    title: str,
    role: str,
    service: Service | None,
    password: str | None = None,
    hpr_number: str = "",
    national_id: str = "",
) -> User:
    """Create a staff user with one role in the municipality; the administrator's task."""
    grant.require_role(Role.ADMINISTRATOR)
    grant.require_owns(service)
    if role == Role.EVALUATOR:
        raise ValidationError({"role": _("Evaluatorer legges inn nasjonalt, ikke av kommunen.")})
    municipality = grant.municipality
    user = User(
        username=username, first_name=first_name, last_name=last_name, email=email, title=title,
        hpr_number=hpr_number, national_id=national_id,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    RoleAssignment.objects.create(user=user, municipality=municipality, role=role, service=service)
    audit_record(actor=grant.user, action=Action.CREATE, resource="staff_user", resource_id=user.pk,
                 municipality=municipality, role=Role.ADMINISTRATOR,
                 purpose=_("Ny ansatt med rolle %(role)s") % {"role": Role(role).label})
    return user


@transaction.atomic
def municipality_settings_save(
    *, grant: StaffGrant, referral_deadline_days: int, contact_email: str,
    referral_deadline_soon_days: int | None = None, referral_deadline_urgent_days: int | None = None,
) -> Municipality:
    """Change the deadlines for handling reports of need (per urgency), and the unit's contact address."""
    grant.require_role(Role.ADMINISTRATOR)
    municipality = grant.municipality
    municipality.referral_deadline_days = referral_deadline_days
    if referral_deadline_soon_days is not None:
        municipality.referral_deadline_soon_days = referral_deadline_soon_days
    if referral_deadline_urgent_days is not None:
        municipality.referral_deadline_urgent_days = referral_deadline_urgent_days
    municipality.contact_email = contact_email
    municipality.full_clean()
    municipality.save(update_fields=["referral_deadline_days", "referral_deadline_soon_days",
                                     "referral_deadline_urgent_days", "contact_email"])
    return municipality
