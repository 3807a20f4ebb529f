"""Documents on a person's plan: uploaded files with a title, a date, who added them and who sees them.

The file itself lives in the "documents" storage (outside the web root; S3-compatible object
storage in production) under a random key; the name shown is the uploader's, sanitised. A
withdrawn document keeps its file for the retention period, then a job purges the file; the
record stays, so the history of who added and withdrew what is never lost.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.access.models import Visibility


class AddedByKind(models.TextChoices):
    PROFESSIONAL = "professional", _("Tjenesteyter")
    PERSON = "person", _("Personen selv")
    NEXT_OF_KIN = "next_of_kin", _("Pårørende")


class DocumentQuerySet(models.QuerySet["Document"]):
    def current(self) -> DocumentQuerySet:
        """Return the documents that are not withdrawn."""
        return self.filter(withdrawn_at__isnull=True)


class Document(models.Model):
    """One file on the person's plan (FHIR DocumentReference)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("tittel"), max_length=200)
    document_date = models.DateField(_("dato på dokumentet"), default=timezone.localdate)
    visibility = models.CharField(_("hvem kan se dokumentet"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.TEAM)
    services = models.ManyToManyField("catalogue.Service", blank=True, related_name="restricted_documents",
                                      verbose_name=_("tjenester som kan se dokumentet"))
    # The signed paper consent this file documents, for those without electronic sign-in.
    consent = models.ForeignKey("teams.Consent", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="documents", verbose_name=_("samtykket dokumentet gjelder"))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_by_kind = models.CharField(max_length=20, choices=AddedByKind.choices)
    added_at = models.DateTimeField(default=timezone.now, db_index=True)
    original_name = models.CharField(_("filnavn"), max_length=150)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_key = models.CharField(max_length=200, unique=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    withdrawal_reason = models.TextField(_("hvorfor dokumentet trekkes tilbake"), blank=True)
    purge_after = models.DateField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-document_date", "-added_at", "-pk"]
        verbose_name = _("dokument")
        verbose_name_plural = _("dokumenter")
        indexes = [models.Index(fields=["person", "withdrawn_at"]), models.Index(fields=["purge_after"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, purge_after__isnull=True)
                | Q(withdrawn_at__isnull=False, purge_after__isnull=False),
                name="document_withdrawal_has_a_purge_date",
            ),
            models.CheckConstraint(condition=Q(purged_at__isnull=True) | Q(withdrawn_at__isnull=False),
                                   name="document_purged_only_when_withdrawn"),
            models.CheckConstraint(condition=Q(size__gt=0), name="document_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None
