"""Documents on the plan: list, upload, download, who may see, withdraw; and the same in «Min plan».

Uploads are stopped at the size limit while they stream in (lib.uploads), before any byte is
written; the service then decides the type from the content. Downloads are attachments with
nosniff and no-store, and every one is in the access log.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from oppfolging.access.grants import PersonGrant
from oppfolging.access.shortcuts import get_person_for_user, get_portal_grant
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.documents import selectors, services
from oppfolging.documents.forms import UploadForm, VisibilityChangeForm, WithdrawForm
from oppfolging.documents.models import Document
from oppfolging.lib.uploads import SizeLimitedUploadHandler
from oppfolging.lib.versioning import EditConflict, conflict_rows
from oppfolging.submissions.once import AlreadySubmitted, once
from oppfolging.teams.models import Consent

MB = 1024 * 1024


def _document(grant: PersonGrant, document_id: int) -> Document:
    document = selectors.document_visible(grant=grant, document_id=document_id)
    if document is None:
        raise Http404("No such document.")
    return document


def _upload_form(grant: PersonGrant, data: Any = None, files: Any = None) -> UploadForm:
    visibility, services = selectors.default_visibility(grant=grant)
    return UploadForm(
        data, files, initial={"visibility": visibility, "services": services},
        services=selectors.shareable_services(grant=grant), portal=grant.is_portal,
        consents=None if grant.is_portal else Consent.objects.filter(person=grant.person).select_related(
            "service", "related_person"),
    )


def _list_context(grant: PersonGrant, form: UploadForm | None) -> dict[str, Any]:
    return {
        "grant": grant, "person": grant.person, "documents": list(selectors.documents_visible(grant=grant)),
        "form": form, "max_mb": settings.DOCUMENT_MAX_FILE_MB,
    }


def document_list(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """The person's documents the user may see, and the upload form for those who serve."""
    grant = get_person_for_user(request, person_id, resource="documents")
    return render(request, "documents/list.html",
                  _list_context(grant, _upload_form(grant) if grant.serves else None))


def _limited(request: AuthenticatedHttpRequest) -> SizeLimitedUploadHandler:
    handler = SizeLimitedUploadHandler(request, max_bytes=settings.DOCUMENT_MAX_FILE_MB * MB)
    request.upload_handlers.insert(0, handler)
    return handler


def _save_upload(request: AuthenticatedHttpRequest, grant: PersonGrant,
                 handler: SizeLimitedUploadHandler) -> tuple[Document | None, UploadForm]:
    """Store the upload once per form sent; a repeat returns the document the first sending made."""
    form = _upload_form(grant, request.POST, request.FILES)
    if handler.too_large:
        form.is_valid()
        form.errors.pop("upload", None)
        form.add_error("upload", services.too_large_message())
        return None, form
    if form.is_valid():
        data = form.cleaned_data
        try:
            with once(form.submission, user=request.user) as submission:
                document = services.document_upload(
                    grant=grant, upload=data["upload"], title=data["title"], document_date=data["document_date"],
                    visibility=data["visibility"], services=data.get("services") or [], consent=data.get("consent"))
                submission.created(document)
        except AlreadySubmitted as earlier:
            messages.info(request, _("Dette var allerede lagret."))
            return selectors.document_visible(grant=grant, document_id=earlier.object_id or 0), form
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Dokumentet «%(title)s» er lagt til.") % {"title": document.title})
            return document, form
    return None, form


@csrf_exempt
@require_POST
def document_upload(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Add a document; the size limit is set before the request body is read."""
    handler = _limited(request)
    return _document_upload(request, person_id, handler)


@csrf_protect
def _document_upload(request: AuthenticatedHttpRequest, person_id: int,
                     handler: SizeLimitedUploadHandler) -> HttpResponse:
    grant = get_person_for_user(request, person_id, resource="documents")
    document, form = _save_upload(request, grant, handler)
    if document is not None:
        return redirect("documents:list", person_id=person_id)
    return render(request, "documents/list.html", _list_context(grant, form),
                  status=413 if handler.too_large else 400)


def _detail_context(request: AuthenticatedHttpRequest, grant: PersonGrant, document: Document,
                    visibility_form: VisibilityChangeForm | None = None,
                    conflict: EditConflict | None = None) -> dict[str, Any]:
    may_change = grant.can_write or document.added_by_id == request.user.pk
    if visibility_form is None and may_change:
        visibility_form = VisibilityChangeForm(
            initial={"visibility": document.visibility, "services": list(document.services.all()),
                     "version": document.version},
            services=selectors.shareable_services(grant=grant))
    return {
        "grant": grant, "person": grant.person, "document": document, "may_change": may_change,
        "visibility_form": visibility_form if may_change else None,
        "withdraw_form": WithdrawForm() if may_change else None,
        "conflict": conflict, "conflict_rows": conflict_rows(visibility_form, conflict) if conflict else [],
    }


def document_detail(request: AuthenticatedHttpRequest, person_id: int, document_id: int) -> HttpResponse:
    """One document's title, date, who added it and who may see it; change or withdraw it."""
    grant = get_person_for_user(request, person_id, resource="document")
    document = _document(grant, document_id)
    return render(request, "documents/detail.html", _detail_context(request, grant, document))


def _file_response(handle: Any, document: Document) -> FileResponse:
    response = FileResponse(handle, as_attachment=True, filename=document.original_name,
                            content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def document_file(request: AuthenticatedHttpRequest, person_id: int, document_id: int) -> FileResponse:
    """Download the file, as an attachment; the download is logged by the service."""
    grant = get_person_for_user(request, person_id, resource="document")
    document = _document(grant, document_id)
    return _file_response(services.document_download(grant=grant, document=document), document)


@require_POST
def document_visibility(request: AuthenticatedHttpRequest, person_id: int, document_id: int) -> HttpResponse:
    grant = get_person_for_user(request, person_id, resource="document")
    document = _document(grant, document_id)
    form = VisibilityChangeForm(request.POST, services=selectors.shareable_services(grant=grant))
    if form.is_valid():
        try:
            services.document_visibility_set(grant=grant, document=document, visibility=form.cleaned_data["visibility"],
                                             services=form.cleaned_data.get("services") or [],
                                             expected_version=form.cleaned_data["version"] or 0)
        except EditConflict as conflict:
            # Someone else changed who may see it: theirs is shown, the choice made here is kept.
            assert isinstance(form.data, QueryDict)  # bound to request.POST
            form.data = form.data.copy()
            form.data["version"] = conflict.current.version
            return render(request, "documents/detail.html",
                          _detail_context(request, grant, _document(grant, document_id), form, conflict), status=409)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Hvem som kan se dokumentet, er endret."))
    else:
        messages.error(request, _("Velg hvem som kan se dokumentet."))
    return redirect("documents:detail", person_id=person_id, document_id=document_id)


@require_POST
def document_withdraw(request: AuthenticatedHttpRequest, person_id: int, document_id: int) -> HttpResponse:
    grant = get_person_for_user(request, person_id, resource="document")
    document = _document(grant, document_id)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Skriv hvorfor dokumentet trekkes tilbake."))
        return redirect("documents:detail", person_id=person_id, document_id=document_id)
    services.document_withdraw(grant=grant, document=document, reason=form.cleaned_data["reason"])
    messages.success(request, _("Dokumentet er trukket tilbake. Filen tas vare på i oppbevaringstiden, og så slettes den."))
    return redirect("documents:list", person_id=person_id)


# «Min plan»


def _portal_context(grant: Any, form: UploadForm | None) -> dict[str, Any]:
    person_grant = grant.as_person_grant()
    return {"grant": grant, "person": grant.person, "form": form, "max_mb": settings.DOCUMENT_MAX_FILE_MB,
            "documents": list(selectors.documents_visible(grant=person_grant))}


def portal_list(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """The documents shared with the person and next of kin, and their own upload form."""
    grant = get_portal_grant(request, person_id, resource="documents")
    return render(request, "documents/portal_list.html",
                  _portal_context(grant, _upload_form(grant.as_person_grant())))


@csrf_exempt
@require_POST
def portal_upload(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    handler = _limited(request)
    return _portal_upload(request, person_id, handler)


@csrf_protect
def _portal_upload(request: AuthenticatedHttpRequest, person_id: int,
                   handler: SizeLimitedUploadHandler) -> HttpResponse:
    grant = get_portal_grant(request, person_id, resource="documents")
    document, form = _save_upload(request, grant.as_person_grant(), handler)
    if document is not None:
        return redirect("documents:portal_list", person_id=person_id)
    return render(request, "documents/portal_list.html", _portal_context(grant, form),
                  status=413 if handler.too_large else 400)


def portal_file(request: AuthenticatedHttpRequest, person_id: int, document_id: int) -> FileResponse:
    grant = get_portal_grant(request, person_id, resource="document").as_person_grant()
    document = _document(grant, document_id)
    return _file_response(services.document_download(grant=grant, document=document), document)
