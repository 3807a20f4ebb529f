"""Documents on the plan: who may add and see them, what is refused, and that nothing is lost."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from oppfolging.access.models import Visibility
from oppfolging.audit.models import AuditEvent
from oppfolging.documents import selectors, services
from oppfolging.documents.models import Document
from oppfolging.documents.tasks import documents_purge_due
from oppfolging.teams.models import Consent
from oppfolging.teams.services import consent_withdraw

from . import files


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type)


def stored(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_it_stores_a_pdf_kept_to_one_service_that_only_that_service_sees(world, document_storage):
    w = world
    document = services.document_upload(
        grant=w.grant(w.physio), upload=upload("../../etc/Rapport <fysio>.pdf", files.pdf()), title="Rapport",
        visibility=Visibility.SERVICES, services=[w.physio_service])
    document.refresh_from_db()
    assert (document.original_name, document.content_type, document.added_by, document.added_by_kind) == (
        "Rapport _fysio.pdf", "application/pdf", w.physio, "professional")
    assert list(document.services.all()) == [w.physio_service]
    assert stored(document_storage) == [document.storage_key]
    assert document.storage_key.startswith("9801/") and document.storage_key.endswith(".pdf")
    assert [d.pk for d in selectors.documents_visible(grant=w.grant(w.physio))] == [document.pk]
    for other in (w.cast.colleague, w.coordinator, w.cast.cu, w.cast.gp):
        assert list(selectors.documents_visible(grant=w.grant(other))) == [], other
    assert list(selectors.documents_visible(grant=w.portal(w.person_user).as_person_grant())) == []
    assert AuditEvent.objects.filter(resource="document", action="create", resource_id=str(document.pk),
                                     actor=w.physio).count() == 1


@pytest.mark.parametrize(("name", "content", "message"), [
    ("rapport.pdf", files.HTML, "nettside eller kode"),
    ("rapport.docx", files.zip_bomb_docx(), "pakker seg ut"),
    ("rapport.pdf", b"MZ\x90\x00program", "program"),
    ("rapport.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "gammelt Office-format"),
    ("bilde.png", b"\x89PNG\r\n\x1a\n" + b"not really", "ødelagt"),
    ("tom.pdf", b"", "tom"),
])
def test_it_refuses_a_file_whose_content_is_not_an_accepted_document_and_stores_nothing(
        world, document_storage, name, content, message):
    with pytest.raises(ValidationError) as refused:
        services.document_upload(grant=world.grant(world.cast.colleague), upload=upload(name, content), title="X")
    assert message in " ".join(refused.value.messages)
    assert (Document.objects.count(), stored(document_storage)) == (0, [])


def test_it_accepts_office_documents_and_images_by_their_content_not_their_name(world):
    grant = world.grant(world.cast.colleague)
    word = services.document_upload(grant=grant, upload=upload("notat.pdf", files.docx(), "application/pdf"), title="A")
    image = services.document_upload(grant=grant, upload=upload("foto", files.png(), "text/html"), title="B")
    assert (word.content_type, word.original_name) == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "notat.docx")
    assert (image.content_type, image.original_name) == ("image/png", "foto.png")


def test_it_refuses_a_file_over_the_size_limit_and_when_the_person_has_no_room_left(world, settings, document_storage):
    settings.DOCUMENT_MAX_FILE_MB = 1
    grant = world.grant(world.cast.colleague)
    big = files.padded_pdf(1024 * 1024)
    with pytest.raises(ValidationError, match="Filen er for stor"):
        services.document_upload(grant=grant, upload=upload("stor.pdf", big), title="Stor")
    settings.DOCUMENT_MAX_FILE_MB, settings.DOCUMENT_MAX_PERSON_MB = 20, 1
    services.document_upload(grant=grant, upload=upload("a.pdf", files.padded_pdf(700_000)), title="A")
    with pytest.raises(ValidationError, match="ikke plass til flere dokumenter"):
        services.document_upload(grant=grant, upload=upload("b.pdf", files.padded_pdf(700_000)), title="B")
    assert Document.objects.count() == 1 and len(stored(document_storage)) == 1


def test_it_refuses_to_keep_a_document_to_a_service_the_person_has_not_consented_to(world):
    with pytest.raises(ValidationError, match="ikke samtykket til deling"):
        services.document_upload(grant=world.grant(world.cast.colleague), upload=upload("a.pdf", files.pdf()),
                                 title="A", visibility=Visibility.SERVICES, services=[world.cast.other_service])


def test_it_hides_a_services_documents_when_the_consent_to_share_with_it_is_withdrawn(world):
    w = world
    # The coordinator works in the physiotherapy service: a record kept to it is theirs to see ...
    w.coordinator.role_assignments.update(service=w.physio_service)
    document = services.document_upload(grant=w.grant(w.physio), upload=upload("a.pdf", files.pdf()), title="A",
                                         visibility=Visibility.SERVICES, services=[w.physio_service])
    assert [d.pk for d in selectors.documents_visible(grant=w.grant(w.coordinator))] == [document.pk]
    # ... only while the person consents to sharing with that service.
    consent = Consent.objects.get(scope="share_with_service", service=w.physio_service)
    consent_withdraw(grant=w.grant(w.cast.cu), consent=consent)
    assert list(selectors.documents_visible(grant=w.grant(w.coordinator))) == []


def test_it_shows_the_person_and_next_of_kin_only_what_is_shared_with_the_team(world):
    w = world
    grant = w.grant(w.coordinator)
    team = services.document_upload(grant=grant, upload=upload("a.pdf", files.pdf()), title="Til alle")
    services.document_upload(grant=grant, upload=upload("b.pdf", files.pdf()), title="Bare ansatte",
                             visibility=Visibility.STAFF)
    for user in (w.person_user, w.kin_user):
        assert [d.title for d in selectors.documents_visible(grant=w.portal(user).as_person_grant())] == [team.title]


def test_it_lets_the_person_and_next_of_kin_upload_to_the_team_or_the_staff_only(world):
    w = world
    kin = w.portal(w.kin_user).as_person_grant()
    document = services.document_upload(grant=kin, upload=upload("brev.pdf", files.pdf()), title="Brev fra NAV",
                                        visibility=Visibility.STAFF)
    assert (document.added_by, document.added_by_kind) == (w.kin_user, "next_of_kin")
    assert [d.pk for d in selectors.documents_visible(grant=kin)] == [document.pk]  # their own
    assert list(selectors.documents_visible(grant=w.portal(w.person_user).as_person_grant())) == []
    with pytest.raises(ValidationError):
        services.document_upload(grant=kin, upload=upload("c.pdf", files.pdf()), title="C",
                                 visibility=Visibility.SERVICES, services=[w.cast.service])


def test_it_refuses_an_upload_from_emergency_access_and_a_read_only_change(world):
    w = world
    with pytest.raises(PermissionDenied):
        services.document_upload(grant=w.grant(w.emergency), upload=upload("a.pdf", files.pdf()), title="A")
    document = services.document_upload(grant=w.grant(w.coordinator), upload=upload("a.pdf", files.pdf()), title="A")
    with pytest.raises(PermissionDenied):
        services.document_withdraw(grant=w.grant(w.cast.colleague), document=document, reason="Feil")
    with pytest.raises(PermissionDenied):
        services.document_visibility_set(grant=w.grant(w.cast.gp), document=document, visibility=Visibility.STAFF,
                                         expected_version=document.version)


def test_it_links_a_signed_paper_consent_to_the_consent_it_documents(world):
    w = world
    consent = Consent.objects.get(scope="team_and_plan")
    document = services.document_upload(grant=w.grant(w.cast.cu), upload=upload("samtykke.pdf", files.pdf()),
                                        title="Signert samtykke", consent=consent)
    assert list(consent.documents.all()) == [document]
    with pytest.raises(PermissionDenied):
        services.document_upload(grant=w.portal(w.person_user).as_person_grant(), upload=upload("s.pdf", files.pdf()),
                                 title="S", consent=consent)


def test_it_withdraws_a_document_keeps_the_file_for_the_retention_period_then_purges_only_the_file(
        world, settings, document_storage):
    w = world
    settings.DOCUMENT_RETENTION_DAYS = 30
    document = services.document_upload(grant=w.grant(w.cast.colleague), upload=upload("a.pdf", files.pdf()), title="A")
    services.document_withdraw(grant=w.grant(w.cast.colleague), document=document, reason="Feil person")
    document.refresh_from_db()
    assert document.purge_after == timezone.localdate() + dt.timedelta(days=30)
    assert list(selectors.documents_visible(grant=w.grant(w.cast.colleague))) == []
    assert documents_purge_due(today=timezone.localdate() + dt.timedelta(days=30)) == 0
    assert stored(document_storage) == [document.storage_key]
    assert documents_purge_due(today=timezone.localdate() + dt.timedelta(days=31)) == 1
    assert documents_purge_due(today=timezone.localdate() + dt.timedelta(days=31)) == 0
    document.refresh_from_db()
    assert document.purged_at is not None and document.title == "A" and stored(document_storage) == []
    assert AuditEvent.objects.filter(resource="document", action="delete", actor=w.cast.colleague).exists()
    assert AuditEvent.objects.filter(resource="document_file", action="delete", actor=None).exists()


def test_it_removes_the_stored_file_again_when_the_upload_fails_after_writing_it(world, document_storage, monkeypatch):
    w = world

    def broken_log(**kwargs):
        raise RuntimeError("the access log is unavailable")

    monkeypatch.setattr(services, "audit_grant", broken_log)
    with pytest.raises(RuntimeError):
        services.document_upload(grant=w.grant(w.physio), upload=upload("rapport.pdf", files.pdf()), title="Rapport")
    assert (Document.objects.count(), stored(document_storage)) == (0, [])
