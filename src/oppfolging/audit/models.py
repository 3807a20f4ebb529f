"""The append-only access log (pasientjournalloven § 22; FHIR AuditEvent).

The application has no way to change or delete an entry: save() refuses updates, delete() and
the queryset's update()/delete()/bulk_create() raise, and on PostgreSQL a trigger rejects UPDATE,
DELETE and TRUNCATE. Every entry is linked into a keyed hash chain (audit/chain.py), so what
someone with the table owner's rights changes anyway is found by `oppfolging audit_verify`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.audit import chain, words


class AuditLogIsAppendOnly(Exception):
    """Raised when code tries to change or delete an audit entry."""


class Action(models.TextChoices):
    READ = "read", _("lest")
    LIST = "list", _("listet")
    SEARCH = "search", _("søkt")
    CREATE = "create", _("opprettet")
    UPDATE = "update", _("endret")
    DELETE = "delete", _("slettet")
    EXPORT = "export", _("eksportert")
    SEND = "send", _("sendt som varsel")
    BREAK_GLASS = "break_glass", _("nødtilgang åpnet")
    SIGN_IN_REFUSED = "sign_in_refused", _("innlogging avvist")


class SignInRefusal(models.TextChoices):
    """Why a sign-in through HelseID or ID-porten was refused (AuditEvent.resource_id)."""

    STATE = "state", _("ingen innlogging var startet i denne nettleseren, eller den var brukt")
    PROVIDER = "provider", _("avbrutt eller avvist hos innloggingstjenesten")
    NONCE = "nonce", _("svaret hørte til en annen innlogging")
    LEVEL = "level", _("for lavt sikkerhetsnivå")
    EXPIRED = "expired", _("svaret var utløpt eller utstedt fram i tid")
    TOKEN = "token", _("svaret kunne ikke kontrolleres")
    UNKNOWN = "unknown", _("ikke registrert som bruker")


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def make_cursor(at: dt.datetime, pk: int) -> str:
    """Return the opaque position of an entry in a search: microseconds since 1970 and the id."""
    return f"{(at - _EPOCH) // dt.timedelta(microseconds=1)}-{pk}"


def parse_cursor(cursor: str) -> tuple[dt.datetime, int] | None:
    """Return (time, id) of a cursor from make_cursor, or None for an empty or garbled one."""
    micros, _, pk = (cursor or "").partition("-")
    # isascii: «²» is a digit to isdigit() but not to int(); the lengths keep int() and the id column whole.
    if not (micros.isascii() and pk.isascii() and micros.isdigit() and pk.isdigit()) or len(micros) > 18 or len(pk) > 18:
        return None
    try:
        return _EPOCH + dt.timedelta(microseconds=int(micros)), int(pk)
    except OverflowError:  # a time after the year 9999
        return None


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("The audit log cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("The audit log cannot be deleted from.")

    def bulk_create(self, *args: Any, **kwargs: Any) -> Any:
        raise AuditLogIsAppendOnly("Write entries one by one (audit_record), so each joins the hash chain.")

    def page(self, *, after: str = "", size: int = 100) -> tuple[list[AuditEvent], str]:
        """Return one page of entries, newest first, and the cursor of the next page ("" if none).

        Keyset pagination: the cursor is the last entry's time and id, so page 1,000 costs what
        page 1 does (an OFFSET would read and skip every entry before it).
        """
        entries = self.order_by("-at", "-id")
        position = parse_cursor(after)
        if position is not None:
            at, pk = position
            # at <= the cursor's time is the index's range; the few entries of that very
            # microsecond already shown are filtered out.
            entries = entries.filter(at__lte=at).exclude(at=at, id__gte=pk)
        rows: list[AuditEvent] = list(entries[: size + 1])
        if len(rows) <= size:
            return rows, ""
        last = rows[size - 1]
        return rows[:size], make_cursor(last.at, last.pk)


class AuditEvent(models.Model):
    """Who, in which role and unit, did what to which person's data, why, and when."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # The foreign keys have no index of their own: each leads one of the search indexes below
    # (Meta.indexes), which serve the same look-ups, and every index is one more write inside the
    # chain's lock (audit/chain.py) on every page view.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # Snapshots, so the entry still reads right after names, roles and units change.
    actor_name = models.CharField(max_length=200)
    actor_role = models.CharField(max_length=30, blank=True)
    actor_unit = models.CharField(max_length=150, blank=True)
    municipality = models.ForeignKey(
        "accounts.Municipality", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    resource = models.CharField(max_length=50)
    resource_id = models.CharField(max_length=50, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    purpose = models.CharField(max_length=300, blank=True)
    break_glass = models.BooleanField(default=False)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # The keyed hash chain (audit/chain.py): the previous entry's hash in this municipality's
    # chain, and this entry's hash over that and its own content.
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    entry_hash = models.CharField(max_length=64, blank=True, editable=False)
    # The API client (OAuth client id) the access came through; empty for the web pages.
    client = models.CharField(max_length=200, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("logghendelse")
        verbose_name_plural = _("tilgangslogg")
        # One index per search, in the searches' order (newest first, id breaking ties), so a
        # page of a search is a short walk down one index whatever the log's size
        # (docs/performance.md): by person (the search and «who has looked»), by user, and by
        # period in the municipality; break-glass entries apart, as they are few.
        indexes = [
            models.Index(fields=["person", "-at", "-id"], name="audit_person_at"),
            models.Index(fields=["actor", "-at", "-id"], name="audit_actor_at"),
            models.Index(fields=["municipality", "-at", "-id"], name="audit_municipality_at"),
            models.Index(fields=["municipality", "-at", "-id"], name="audit_break_glass_at",
                         condition=models.Q(break_glass=True)),
            models.Index(fields=["municipality", "-id"], name="audit_chain_head"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.resource}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly("An audit entry cannot be changed once written.")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        # The stored form of the address, so the hash matches what the database gives back.
        self.ip = self._meta.get_field("ip").to_python(self.ip) or None
        # No savepoint of its own (two round trips fewer): a failed entry fails the whole write.
        with transaction.atomic(using=using, savepoint=False):
            chain.seal(self, using=using)
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("An audit entry cannot be deleted.")

    def resource_words(self) -> str:
        return words.resource_words(self.resource)

    def role_words(self) -> str:
        return words.role_words(self.actor_role)
