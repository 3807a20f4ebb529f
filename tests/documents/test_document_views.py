"""The document pages: 404 to strangers and other services, 403 to read-only, the upload limit
enforced while the request streams in, and downloads as logged, sniff-proof attachments."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from oppfolging.access.models import Visibility
from oppfolging.audit.models import AuditEvent
from oppfolging.documents import services
from oppfolging.documents.models import Document

from . import files


def _restricted(world) -> Document:
    return services.document_upload(
        grant=world.grant(world.physio), upload=SimpleUploadedFile("fysio.pdf", files.pdf(), "application/pdf"),
        title="Rapport fra fysioterapeuten", visibility=Visibility.SERVICES, services=[world.physio_service])


def test_it_uploads_through_the_page_and_shows_the_document_in_the_list(world, document_storage):
    client = world.client(world.cast.colleague)
    url = reverse("documents:upload", args=[world.cast.person.pk])
    response = client.post(url, {"title": "Vurdering", "document_date": "2026-11-30", "visibility": "team",
                                 "upload": SimpleUploadedFile("vurdering.pdf", files.pdf(), "application/pdf")})
    assert response.status_code == 302, response.content.decode()[:2000]
    document = Document.objects.get()
    assert (document.title, str(document.document_date), document.visibility) == ("Vurdering", "2026-11-30", "team")
    page = client.get(reverse("documents:list", args=[world.cast.person.pk])).content.decode()
    assert "Vurdering" in page and "vurdering.pdf" in page


def test_it_answers_404_to_a_member_of_another_service_and_to_a_stranger(world):
    document = _restricted(world)
    person = world.cast.person.pk
    for user in (world.cast.colleague, world.cast.stranger):
        client = world.client(user)
        assert client.get(reverse("documents:detail", args=[person, document.pk])).status_code == 404
        assert client.get(reverse("documents:file", args=[person, document.pk])).status_code == 404
    assert world.client(world.cast.stranger).get(reverse("documents:list", args=[person])).status_code == 404
    page = world.client(world.cast.colleague).get(reverse("documents:list", args=[person])).content.decode()
    assert "Rapport fra fysioterapeuten" not in page


def test_it_answers_403_to_an_upload_under_emergency_access(world):
    response = world.client(world.emergency).post(
        reverse("documents:upload", args=[world.cast.person.pk]),
        {"title": "A", "visibility": "team", "document_date": "2026-11-30",
         "upload": SimpleUploadedFile("a.pdf", files.pdf(), "application/pdf")})
    assert response.status_code == 403 and Document.objects.count() == 0


def test_it_stops_a_file_over_the_limit_while_it_streams_in_and_stores_nothing(world, settings, document_storage):
    settings.DOCUMENT_MAX_FILE_MB = 1
    response = world.client(world.cast.colleague).post(
        reverse("documents:upload", args=[world.cast.person.pk]),
        {"title": "Stor", "visibility": "team", "document_date": "2026-11-30",
         "upload": SimpleUploadedFile("stor.pdf", files.padded_pdf(3 * 1024 * 1024), "application/pdf")})
    assert response.status_code == 413
    assert "Filen er for stor. Største tillatte størrelse er 1 MB." in response.content.decode()
    assert Document.objects.count() == 0 and list(document_storage.rglob("*")) == []


def test_it_refuses_an_html_file_named_pdf_with_a_clear_message(world, document_storage):
    response = world.client(world.cast.colleague).post(
        reverse("documents:upload", args=[world.cast.person.pk]),
        {"title": "Skjult", "visibility": "team", "document_date": "2026-11-30",
         "upload": SimpleUploadedFile("faktura.pdf", files.HTML, "application/pdf")})
    assert response.status_code == 400
    assert "Filen er en nettside eller kode, ikke et dokument." in response.content.decode()
    assert Document.objects.count() == 0 and list(document_storage.rglob("*")) == []


def test_it_serves_a_download_as_a_logged_attachment_that_is_never_sniffed_or_cached(world):
    document = _restricted(world)
    before = AuditEvent.objects.filter(resource="document", action="export").count()
    response = world.client(world.physio).get(reverse("documents:file", args=[world.cast.person.pk, document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="fysio.pdf"'
    assert (response["X-Content-Type-Options"], response["Cache-Control"]) == ("nosniff", "no-store")
    assert b"".join(response.streaming_content) == files.pdf()
    assert AuditEvent.objects.filter(resource="document", action="export", actor=world.physio).count() == before + 1


def test_it_shows_the_person_a_document_in_min_plan_only_once_it_is_shared_with_the_team(world):
    document = _restricted(world)
    client = world.client(world.person_user)
    file_url = reverse("documents:portal_file", args=[world.cast.person.pk, document.pk])
    assert client.get(file_url).status_code == 404
    assert "Rapport fra fysioterapeuten" not in client.get(
        reverse("documents:portal_list", args=[world.cast.person.pk])).content.decode()
    response = world.client(world.physio).post(
        reverse("documents:visibility", args=[world.cast.person.pk, document.pk]),
        {"visibility": "team", "version": document.version})
    assert response.status_code == 302
    assert "Rapport fra fysioterapeuten" in client.get(
        reverse("documents:portal_list", args=[world.cast.person.pk])).content.decode()
    assert client.get(file_url).status_code == 200


def test_it_withdraws_from_the_page_with_a_reason(world):
    document = _restricted(world)
    response = world.client(world.physio).post(
        reverse("documents:withdraw", args=[world.cast.person.pk, document.pk]), {"reason": "Lagt på feil person"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.withdrawal_reason, document.withdrawn_by) == ("Lagt på feil person", world.physio)


def test_it_refuses_a_mistyped_year_in_the_form_and_the_service(world, document_storage):
    """#13.2: a document dated 9999 is refused with a message; nothing is stored."""
    import datetime as dt

    import pytest
    from django.core.exceptions import ValidationError

    client = world.client(world.cast.colleague)
    url = reverse("documents:upload", args=[world.cast.person.pk])
    response = client.post(url, {"title": "Vurdering", "document_date": "9999-12-31", "visibility": "team",
                                 "upload": SimpleUploadedFile("vurdering.pdf", files.pdf(), "application/pdf")})
    assert response.status_code == 400 and "Datoen må være mellom" in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        services.document_upload(grant=world.grant(world.cast.colleague), title="Vurdering",
                                 upload=SimpleUploadedFile("v.pdf", files.pdf(), "application/pdf"),
                                 document_date=dt.date(9999, 12, 31), visibility=Visibility.TEAM)
    assert "document_date" in refused.value.message_dict
    assert not Document.objects.exists()


def _upload_token(client, url: str) -> str:
    import re

    return re.search(r'name="submission_token" value="([0-9a-f-]{36})"', client.get(url).content.decode()).group(1)


def test_a_double_click_on_an_upload_stores_the_document_once(world, document_storage):
    """#13.4: the upload form carries a one-time token; sent twice, one document and one file, and the list is shown."""
    for user, page, upload in ((world.cast.colleague, "documents:list", "documents:upload"),
                               (world.person_user, "documents:portal_list", "documents:portal_upload")):
        client = world.client(user)
        token = _upload_token(client, reverse(page, args=[world.cast.person.pk]))
        title = f"Vurdering fra {user.pk}"
        for _ in range(2):
            response = client.post(reverse(upload, args=[world.cast.person.pk]), {
                "title": title, "document_date": "2026-11-30", "visibility": "team", "submission_token": token,
                "upload": SimpleUploadedFile("vurdering.pdf", files.pdf(), "application/pdf")}, follow=True)
        html = response.content.decode()
        assert "Dette var allerede lagret." in html and title in html
        assert Document.objects.filter(title=title).count() == 1
    assert sum(1 for path in document_storage.rglob("*") if path.is_file()) == 2


def test_a_stale_change_of_who_may_see_a_document_is_refused_and_the_choice_kept(world):
    """#13.6: two writers open the document; one keeps it to staff, the other's later change is refused."""
    import re

    document = services.document_upload(
        grant=world.grant(world.coordinator), upload=SimpleUploadedFile("plan.pdf", files.pdf(), "application/pdf"),
        title="Vedtak", visibility=Visibility.TEAM)
    url = reverse("documents:visibility", args=[world.cast.person.pk, document.pk])
    page = reverse("documents:detail", args=[world.cast.person.pk, document.pk])
    coordinator, unit = world.client(world.coordinator), world.client(world.cast.cu)
    for client in (coordinator, unit):
        assert f'name="version" value="{document.version}"' in client.get(page).content.decode()
    assert coordinator.post(url, {"visibility": "staff", "version": document.version}).status_code == 302
    response = unit.post(url, {"visibility": "services", "services": [world.physio_service.pk],
                               "version": document.version})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Noen andre har lagret en endring mens du skrev" in html
    assert "<td>Bare ansatte i teamet</td>" in html  # what the coordinator chose
    assert re.search(r'value="services"[^>]*checked', html)  # the choice made here is kept
    assert re.search(rf'name="version" value="{document.version + 1}"', html)
    document.refresh_from_db()
    assert document.visibility == "staff" and not document.services.exists()
