"""Every upload is stopped at its size limit while it streams in, before any byte is written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.urls import reverse

from oppfolging.gp.models import RiskList
from oppfolging.outcomes.models import OutcomeImport


@pytest.fixture
def written(monkeypatch):
    """Count the bytes that reach Django's own handlers (memory or a temporary file)."""
    counted = []
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        real = handler.receive_data_chunk

        def receive(self, raw_data, start, real=real):
            counted.append(len(raw_data))
            return real(self, raw_data, start)

        monkeypatch.setattr(handler, "receive_data_chunk", receive)
    return counted


def test_it_stops_a_gp_extract_over_the_limit_before_it_is_written(cast, settings, written):
    settings.GP_EXTRACT_MAX_MB = 1
    response = cast.client_for(cast.gp).post(reverse("gp:lists"), {
        "extract": SimpleUploadedFile("uttrekk.zip", b"P" * (3 * 1024 * 1024), "application/zip")})
    assert response.status_code == 413
    assert "Filen er større enn 1 MB. Del opp uttrekket, eller kontakt kommunen." in response.content.decode()
    assert written == [] and RiskList.objects.count() == 0


def test_it_stops_an_outcome_file_over_the_limit_before_it_is_written(cast, settings, written):
    settings.OUTCOME_IMPORT_MAX_MB = 1
    response = cast.client_for(cast.cu).post(reverse("outcomes:imports"), {
        "kind": "admissions_csv", "file": SimpleUploadedFile("innleggelser.csv", b"x" * (3 * 1024 * 1024))})
    assert response.status_code == 413
    assert "Filen er større enn 1 MB. Del den opp i mindre perioder." in response.content.decode()
    assert written == [] and OutcomeImport.objects.count() == 0


def test_it_keeps_csrf_protection_on_the_upload_pages(cast):
    client = cast.client_for(cast.gp)
    client.handler.enforce_csrf_checks = True
    response = client.post(reverse("gp:lists"), {"extract": SimpleUploadedFile("u.zip", b"PK")})
    assert response.status_code == 403
