"""Writing the access log. Every read and write of personal data ends up here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from oppfolging.access.grants import SYSTEM_NAME, Basis, PersonGrant
from oppfolging.audit.models import Action, AuditEvent, SignInRefusal

# The client address of the request being served, so every service's log entry carries it
# without each call site passing it on. Set by RequestAddressMiddleware.
_request_ip: ContextVar[str | None] = ContextVar("audit_request_ip", default=None)
# The API client a request came through (FHIR API), so the entries services write carry it too.
_request_client: ContextVar[str] = ContextVar("audit_request_client", default="")


@contextmanager
def audit_client(client_id: str) -> Iterator[None]:
    """Record every log entry written inside the block as coming through the API client."""
    token = _request_client.set(client_id)
    try:
        yield
    finally:
        _request_client.reset(token)


class RequestAddressMiddleware:
    """Remember the client address for the audit log while a request is served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_ip.set(client_ip(request))
        reads: dict[tuple[object, ...], Callable[[], object]] = {}
        # Kept on the request itself, so a view called without the middleware logs at once;
        # HttpRequest declares no such attribute and no typed request class reaches this layer.
        request._audit_reads = reads  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
            # A read is logged once the view has shown the data: not for a refusal (403), a
            # record that turned out not to exist (404) or a crash, and once per request.
            if response.status_code < 400:
                for write in reads.values():
                    write()
            return response
        finally:
            _request_ip.reset(token)


def audit_read_when_answered(request: HttpRequest, key: tuple[object, ...], write: Callable[[], object]) -> None:
    """Log a read when the request is answered with the data (RequestAddressMiddleware), once per key.

    Outside a request served through the middleware (a view called directly) it logs at once.
    """
    reads = getattr(request, "_audit_reads", None)
    if reads is None:
        write()
    else:
        reads.setdefault(key, write)

if TYPE_CHECKING:
    from oppfolging.accounts.models import Municipality, User
    from oppfolging.people.models import Person


def client_ip(request: HttpRequest | None) -> str | None:
    """Return the client's address, trusting X-Forwarded-For only from our own proxies.

    With TRUSTED_PROXY_COUNT = n, the address n hops from the right of X-Forwarded-For is the
    client (each trusted proxy appends the address it saw); anything further left can be forged.
    """
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor: User | None,
    action: str,
    resource: str,
    resource_id: object = "",
    person: Person | None = None,
    municipality: Municipality | None = None,
    role: str = "",
    unit: str = "",
    purpose: str = "",
    break_glass: bool = False,
    ip: str | None = None,
    actor_name: str = "",
    client: str = "",
) -> AuditEvent:
    """Append one entry to the access log."""
    if municipality is None and person is not None:
        municipality = person.municipality
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=actor_name or (actor.full_name if actor is not None and actor.is_authenticated else "—"),
        actor_role=role,
        actor_unit=unit,
        municipality=municipality,
        person=person,
        resource=resource,
        resource_id=str(resource_id or ""),
        action=action,
        purpose=purpose[:300],
        break_glass=break_glass,
        ip=ip or _request_ip.get(),
        client=(client or _request_client.get())[:200],
    )


def audit_grant(
    *,
    grant: PersonGrant,
    action: str,
    resource: str,
    resource_id: object = "",
    purpose: str = "",
    ip: str | None = None,
) -> AuditEvent:
    """Log an action on a person's data by the grant's user, under the grant that allowed it.

    The system's own grant (reminders, sending) is logged under the system's name, a
    municipality system's (FHIR API) under the client's name.
    """
    system_name = grant.unit if grant.basis is Basis.SYSTEM_CLIENT else SYSTEM_NAME
    return audit_record(
        actor=grant.user,
        actor_name=system_name if grant.user is None else "",
        action=action,
        resource=resource,
        resource_id=resource_id or grant.person.pk,
        person=grant.person,
        role=grant.role,
        unit=grant.unit,
        purpose=purpose or (grant.break_glass.reason if grant.break_glass else grant.basis_label),
        break_glass=grant.break_glass is not None,
        ip=ip,
    )


def audit_person_read(
    request: HttpRequest, grant: PersonGrant, *, resource: str = "person", purpose: str = ""
) -> None:
    """Log that the signed-in user read a person's data, once the page is shown (not when refused)."""
    ip = client_ip(request)
    audit_read_when_answered(
        request, ("person", grant.person.pk, resource, purpose),
        lambda: audit_grant(grant=grant, action=Action.READ, resource=resource, purpose=purpose, ip=ip),
    )


# Where a sign-in was refused: the resource of its entry (audit.words has the words).
SIGN_IN_CHANNELS = ("sign_in_helseid", "sign_in_idporten")
# At most this many refusals from one address are written per SIGN_IN_REFUSAL_WINDOW: the log
# is append-only and cannot be pruned, and a refused callback costs an attacker nothing. The
# application log keeps every refusal.
SIGN_IN_REFUSAL_LIMIT = 30
SIGN_IN_REFUSAL_WINDOW = dt.timedelta(hours=1)


def audit_sign_in_refused(
    *, request: HttpRequest | None, channel: str, reason: SignInRefusal, hpr_number: str = ""
) -> AuditEvent | None:
    """Append a refused sign-in to the access log, where the administrators read it.

    Records the channel (`sign_in_helseid`, `sign_in_idporten`), the reason, the client address
    and, for HelseID, the HPR number it gave (a public number of health personnel, so an
    administrator can register whoever was turned away). Never the token, the identity number, a
    name or anything about a person: a refused sign-in names nobody the register knows, so the
    entry has no person and no municipality (the chain without one), and the administrators of
    every municipality see it. Returns None when the address is over SIGN_IN_REFUSAL_LIMIT.
    """
    if channel not in SIGN_IN_CHANNELS:
        raise ValueError(f"Unknown sign-in channel {channel!r}.")
    ip = client_ip(request)
    since = timezone.now() - SIGN_IN_REFUSAL_WINDOW
    recent = AuditEvent.objects.filter(municipality=None, action=Action.SIGN_IN_REFUSED, ip=ip, at__gte=since)
    if ip and recent.count() >= SIGN_IN_REFUSAL_LIMIT:
        return None
    hpr = hpr_number.strip()
    return audit_record(
        actor=None, actor_name=hpr if hpr.isdigit() and len(hpr) <= 9 else "—",
        action=Action.SIGN_IN_REFUSED, resource=channel, resource_id=reason.value, ip=ip,
    )
