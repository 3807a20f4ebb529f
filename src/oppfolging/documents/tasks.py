"""The purge job: remove the files of withdrawn documents whose retention period has run out.

Only the file goes; the record of the document (title, who added it, who withdrew it, when and
why) stays, and the purge is written to the access log under the system's name. Safe to run
twice: a purged document is never purged again.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.storage import storages
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access.grants import SYSTEM_NAME
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.documents.models import Document


def documents_purge_due(*, today: dt.date | None = None) -> int:
    """Delete the files of withdrawn documents past their retention; return how many."""
    today = today or timezone.localdate()
    storage = storages["documents"]
    purged = 0
    due = Document.objects.filter(withdrawn_at__isnull=False, purged_at__isnull=True, purge_after__lt=today)
    for document in due.select_related("person__municipality").order_by("purge_after", "pk"):
        storage.delete(document.storage_key)
        Document.objects.filter(pk=document.pk, purged_at__isnull=True).update(purged_at=timezone.now())
        audit_record(actor=None, actor_name=SYSTEM_NAME, action=Action.DELETE, resource="document_file",
                     resource_id=document.pk, person=document.person,
                     purpose=_("Fil slettet etter oppbevaringstiden for et tilbaketrukket dokument"))
        purged += 1
    return purged


@task()
def purge_documents() -> int:
    """The background job: purge what is due."""
    return documents_purge_due()
