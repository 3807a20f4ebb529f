"""Sign-in throttling and staff administration."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access.grants import StaffGrant
from oppfolging.accounts.models import Municipality, Role, RoleAssignment, SignInThrottle, User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.catalogue.models import Service
from oppfolging.lib.versioning import save_versioned


def _throttle_keys(*, username: str, ip: str | None) -> dict[str, int]:
    """Return the throttle keys of a sign-in with the failures each allows before back-off.

    Per account from one address (a few: the one guessing), per address over all accounts
    (credential stuffing), per account over all addresses (guessing spread over many addresses).
    Keys are hashed: the table holds neither user names nor addresses.
    """
    name = username.strip().lower()[:150]
    address = ip or "unknown"

    def key(kind: str, value: str) -> str:
        digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
        return f"{kind}:{digest}"

    return {
        key("pair", f"{name}\n{address}"): settings.LOGIN_FAILURE_LIMIT,
        key("address", address): settings.LOGIN_ADDRESS_FAILURE_LIMIT,
        key("account", name): settings.LOGIN_ACCOUNT_FAILURE_LIMIT,
    }


def _back_off(failures: int, limit: int) -> dt.timedelta:
    """Return the wait after this many failures: none up to the limit, then doubling, capped."""
    if failures < limit:
        return dt.timedelta(0)
    seconds = settings.LOGIN_BACKOFF_BASE_SECONDS * 2 ** min(failures - limit, 30)
    return dt.timedelta(seconds=min(seconds, settings.LOGIN_BACKOFF_MAX_SECONDS))


def sign_in_attempt_reserve(*, username: str, ip: str | None) -> int:
    """Count one password check before it is made; return 0 if it may go ahead, else the wait.

    The count is taken under a row lock (SELECT … FOR UPDATE on PostgreSQL, the write lock of
    an IMMEDIATE transaction on SQLite), so 30 parallel guesses get no more checks than the
    count allows. A failure is never undone, so a guess costs a count whatever the result;
    sign_in_succeeded gives it back. Instead of a hard lock a stranger could set off, a key
    over its limit makes the next check wait, doubling with each failure up to
    LOGIN_BACKOFF_MAX_SECONDS; failures are forgotten LOGIN_FAILURE_WINDOW_MINUTES after the last.
    """
    keys = _throttle_keys(username=username, ip=ip)
    with transaction.atomic():
        created = timezone.now()
        for key in sorted(keys):  # one order, so two sign-ins never wait for each other's rows
            SignInThrottle.objects.get_or_create(
                key=key, defaults={"last_failure_at": created, "next_attempt_at": created})
        rows = list(SignInThrottle.objects.select_for_update().filter(key__in=keys).order_by("key"))
        now = timezone.now()  # after the lock: a wait for it must not count as time waited
        forget_before = now - dt.timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
        for row in rows:
            if row.last_failure_at < forget_before:
                row.failures = 0
                row.next_attempt_at = now
        wait = max((row.next_attempt_at - now for row in rows), default=dt.timedelta(0))
        if wait > dt.timedelta(0):
            return math.ceil(wait.total_seconds())
        for row in rows:
            row.failures += 1
            row.last_failure_at = now
            back_off = _back_off(row.failures, keys[row.key])
            if back_off:
                row.next_attempt_at = now + back_off
            row.save(update_fields=["failures", "last_failure_at", "next_attempt_at"])
    return 0


def sign_in_succeeded(*, username: str, ip: str | None) -> None:
    """Forget the account's failures after its own sign-in; the address keeps its count but this try.

    The address is not cleared: one account of one's own must not reset the count of guesses at
    others from the same address. Rows idle for a day are pruned at the same time.
    """
    keys = _throttle_keys(username=username, ip=ip)
    address_key = next(key for key in keys if key.startswith("address:"))
    SignInThrottle.objects.filter(key__in=[k for k in keys if k != address_key]).delete()
    SignInThrottle.objects.filter(key=address_key, failures__gt=0).update(failures=F("failures") - 1)
    SignInThrottle.objects.filter(last_failure_at__lt=timezone.now() - dt.timedelta(days=1)).delete()


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
    taken = {}
    if User.objects.filter(username__iexact=username).exists():
        taken["username"] = _("Brukernavnet er allerede i bruk.")
    if hpr_number and User.objects.filter(hpr_number=hpr_number).exists():
        taken["hpr_number"] = _("En annen bruker har allerede dette HPR-nummeret.")
    if national_id and User.objects.filter(national_id=national_id).exists():
        taken["national_id"] = _("En annen bruker har allerede dette fødselsnummeret.")
    if taken:
        raise ValidationError(taken)
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
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Someone took the user name between the check above and this save.
        raise ValidationError({"username": _("Brukernavnet er allerede i bruk.")}) from None
    RoleAssignment.objects.create(user=user, municipality=municipality, role=role, service=service)
    audit_record(actor=grant.user, action=Action.CREATE, resource="staff_user", resource_id=user.pk,
                 municipality=municipality, role=Role.ADMINISTRATOR,
                 purpose=_("Ny ansatt med rolle %(role)s") % {"role": Role(role).label})
    return user


@transaction.atomic
def municipality_settings_save(
    *, grant: StaffGrant, referral_deadline_days: int, contact_email: str, expected_version: int,
    language: str | None = None, referral_deadline_soon_days: int | None = None,
    referral_deadline_urgent_days: int | None = None,
) -> Municipality:
    """Change the deadlines for reports of need (per urgency), the unit's contact address and the written standard.

    A save based on an older version (another administrator saved since) is refused with EditConflict.
    """
    grant.require_role(Role.ADMINISTRATOR)
    municipality = grant.municipality
    municipality.referral_deadline_days = referral_deadline_days
    if referral_deadline_soon_days is not None:
        municipality.referral_deadline_soon_days = referral_deadline_soon_days
    if referral_deadline_urgent_days is not None:
        municipality.referral_deadline_urgent_days = referral_deadline_urgent_days
    municipality.contact_email = contact_email
    if language is not None:
        municipality.language = language
    municipality.full_clean()
    save_versioned(municipality, expected_version=expected_version,
                   fields=["referral_deadline_days", "referral_deadline_soon_days",
                           "referral_deadline_urgent_days", "contact_email", "language"])
    return municipality


def user_language_save(*, user: User, language: str) -> User:
    """Remember the written standard the signed-in user chose in the header, for pages and messages."""
    if language not in dict(settings.LANGUAGES) or user.language == language:
        return user
    # The choice is made now, not on a form opened earlier: it needs no version, but moves it on,
    # so a settings page opened before it cannot put the old målform back.
    User.objects.filter(pk=user.pk).update(language=language, version=F("version") + 1)
    user.refresh_from_db(fields=["language", "version"])
    return user
