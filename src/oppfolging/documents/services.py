"""Writes for documents: upload, change who sees one, withdraw, and the audited download.

Every function takes the grant and checks it itself. An upload is refused, with nothing stored,
unless its content proves it is an accepted kind of file within the size limits; the file is
written to the "documents" storage under a random key only after every check has passed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from oppfolging.access.grants import Basis, PersonGrant
from oppfolging.access.models import Visibility
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_grant
from oppfolging.catalogue.models import Service
from oppfolging.documents import selectors
from oppfolging.documents.models import AddedByKind, Document
from oppfolging.lib import filetypes
from oppfolging.lib.dates import DOCUMENT_DATE, check_date
from oppfolging.lib.versioning import save_versioned
from oppfolging.notifications.models import Kind
from oppfolging.notifications.services import Recipient, notify
from oppfolging.teams.models import Consent
from oppfolging.teams.selectors import coordinators_of

MB = 1024 * 1024


def refusal_message(code: str) -> str:
    """Return the Norwegian message for a file the content check refused."""
    messages = {
        "empty": _("Filen er tom."),
        "html": _("Filen er en nettside eller kode, ikke et dokument. Lagre dokumentet som PDF og prøv igjen."),
        "executable": _("Filen er et program. Programmer kan ikke lastes opp."),
        "legacy_office": _("Filen er i et gammelt Office-format. Lagre den som PDF eller som .docx/.xlsx og prøv igjen."),
        "macros": _("Dokumentet inneholder makroer. Lagre det uten makroer (for eksempel som PDF) og prøv igjen."),
        "encrypted": _("Filen er passordbeskyttet. Last den opp uten passord."),
        "zip_bomb": _("Filen pakker seg ut til langt mer enn den ser ut til, og er avvist for å beskytte systemet."),
        "corrupt": _("Filen er ødelagt, eller innholdet stemmer ikke med filtypen."),
        "image_too_large": _("Bildet har for mange piksler. Ta et mindre bilde eller lagre det som PDF."),
        "unknown": _("Denne filtypen kan ikke lastes opp. Bruk PDF, bilde (JPEG eller PNG) eller et Office-dokument (Word, Excel, PowerPoint eller OpenDocument)."),
    }
    return messages.get(code, messages["unknown"])


def too_large_message() -> str:
    return _("Filen er for stor. Største tillatte størrelse er %(mb)s MB.") % {"mb": settings.DOCUMENT_MAX_FILE_MB}


def _added_by_kind(grant: PersonGrant) -> str:
    return {Basis.PERSON_SELF: AddedByKind.PERSON, Basis.NEXT_OF_KIN: AddedByKind.NEXT_OF_KIN}.get(
        grant.basis, AddedByKind.PROFESSIONAL)


def _require_may_add(grant: PersonGrant) -> None:
    """Team members who serve the person add documents; so do the person and next of kin in «Min plan»."""
    if not grant.is_portal:
        grant.require_serves()
    grant.require_user()


def _require_sees(grant: PersonGrant, document: Document) -> None:
    grant.require_owns(document)
    if selectors.document_visible(grant=grant, document_id=document.pk) is None:
        raise PermissionDenied("The document is not shared with you.")


def _require_may_change(grant: PersonGrant, document: Document) -> None:
    """Refuse unless the user added the document or writes the person's plan, and sees it."""
    _require_sees(grant, document)
    if not (grant.can_write or (grant.user is not None and document.added_by_id == grant.user.pk)):
        raise PermissionDenied("Only the one who added it or a writer of the plan may change this.")


@transaction.atomic
def document_upload(
    *,
    grant: PersonGrant,
    upload: UploadedFile,
    title: str,
    document_date: dt.date | None = None,
    visibility: str = Visibility.TEAM,
    services: Iterable[Service] = (),
    consent: Consent | None = None,
) -> Document:
    """Add a document to the person's plan; refused with nothing stored unless the file is fit.

    The type is decided from the content (lib.filetypes), the size against the per-file and
    per-person limits in settings, the name is sanitised, and the file is stored under a random
    key. A paper consent is linked to the Consent it documents.
    """
    _require_may_add(grant)
    grant.require_owns(consent)
    user = grant.require_user()
    if consent is not None and grant.is_portal:
        raise PermissionDenied("The signed consent is attached by staff.")
    chosen = selectors.validate_visibility(grant=grant, visibility=visibility, services=list(services))
    if not title.strip():
        raise ValidationError({"title": _("Gi dokumentet en tittel.")})
    check_date(DOCUMENT_DATE, document_date, field="document_date")
    size = upload.size or 0
    if size > settings.DOCUMENT_MAX_FILE_MB * MB:
        raise ValidationError({"upload": too_large_message()})
    used = selectors.person_storage_used(person_id=grant.person.pk)
    if used + size > settings.DOCUMENT_MAX_PERSON_MB * MB:
        raise ValidationError({"upload": _(
            "Det er ikke plass til flere dokumenter for denne personen (grensen er %(mb)s MB). "
            "Trekk tilbake dokumenter som ikke trengs lenger.") % {"mb": settings.DOCUMENT_MAX_PERSON_MB}})
    limits = filetypes.Limits(max_unpacked=settings.DOCUMENT_MAX_UNPACKED_MB * MB,
                              max_ratio=settings.DOCUMENT_MAX_ZIP_RATIO)
    stream = upload.file
    assert stream is not None  # an uploaded file has its content
    try:
        file_type = filetypes.detect(stream, limits)
    except filetypes.Refused as refused:
        raise ValidationError({"upload": refusal_message(refused.code)}) from None
    digest = hashlib.sha256()
    stream.seek(0)
    while chunk := stream.read(1 << 16):
        digest.update(chunk)
    stream.seek(0)
    storage = storages["documents"]
    key = storage.save(f"{grant.person.municipality.number}/{uuid.uuid4().hex}.{file_type.extension}", File(stream))
    # Once the file is written, anything after it that fails (the record, the notice, the access
    # log) removes the file again: an upload that is rolled back leaves nothing stored.
    try:
        document = Document.objects.create(
            person=grant.person, title=title.strip()[:200], document_date=document_date or timezone.localdate(),
            visibility=visibility, consent=consent, added_by=user, added_by_kind=_added_by_kind(grant),
            original_name=filetypes.safe_name(upload.name or "", file_type.extension),
            content_type=file_type.mime, size=size, sha256=digest.hexdigest(), storage_key=key,
        )
        document.services.set(chosen)
        if grant.is_portal:
            for coordinator in coordinators_of(grant.person):
                notify(kind=Kind.DOCUMENT_ADDED, key=f"document:{document.pk}",
                       recipient=Recipient(user=coordinator), person=grant.person, subject=document,
                       url=reverse("documents:list", args=[grant.person.pk]))
        audit_grant(grant=grant, action=Action.CREATE, resource="document", resource_id=document.pk,
                    purpose=_("Dokument lagt til: %(title)s") % {"title": document.title[:200]})
    except BaseException:
        storage.delete(key)
        raise
    return document


@transaction.atomic
def document_visibility_set(
    *, grant: PersonGrant, document: Document, visibility: str, expected_version: int,
    services: Iterable[Service] = (),
) -> Document:
    """Change who may see a document: the one who added it, or a writer of the plan.

    A change based on an older version (someone else changed who may see it since) is refused
    with EditConflict, never applied over theirs.
    """
    _require_may_change(grant, document)
    chosen = selectors.validate_visibility(grant=grant, visibility=visibility, services=list(services))
    document.visibility = visibility
    save_versioned(document, expected_version=expected_version, fields=["visibility"])
    document.services.set(chosen)
    audit_grant(grant=grant, action=Action.UPDATE, resource="document", resource_id=document.pk,
                purpose=_("Hvem kan se dokumentet: %(who)s") % {"who": document.get_visibility_display()})
    return document


@transaction.atomic
def document_withdraw(*, grant: PersonGrant, document: Document, reason: str) -> Document:
    """Withdraw a document: it leaves the plan at once, its file is kept for the retention period.

    Never an erase: the purge job removes the file after DOCUMENT_RETENTION_DAYS, and the record
    of who added and withdrew it stays.
    """
    _require_may_change(grant, document)
    if not reason.strip():
        raise ValidationError({"reason": _("Skriv hvorfor dokumentet trekkes tilbake.")})
    document.withdrawn_at = timezone.now()
    document.withdrawn_by = grant.user
    document.withdrawal_reason = reason.strip()
    document.purge_after = timezone.localdate() + dt.timedelta(days=settings.DOCUMENT_RETENTION_DAYS)
    document.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "purge_after"])
    audit_grant(grant=grant, action=Action.DELETE, resource="document", resource_id=document.pk,
                purpose=ngettext("Dokument trukket tilbake, filen beholdes %(days)s dag",
                                 "Dokument trukket tilbake, filen beholdes %(days)s dager",
                                 settings.DOCUMENT_RETENTION_DAYS) % {"days": settings.DOCUMENT_RETENTION_DAYS})
    return document


def document_download(*, grant: PersonGrant, document: Document) -> File:
    """Open a document's file for download, writing the read to the access log."""
    _require_sees(grant, document)
    handle = storages["documents"].open(document.storage_key, "rb")
    audit_grant(grant=grant, action=Action.EXPORT, resource="document", resource_id=document.pk,
                purpose=_("Dokument lastet ned: %(title)s") % {"title": document.title[:200]})
    return handle
