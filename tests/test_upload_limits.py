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


def test_the_production_proxy_example_caps_each_upload_page_at_its_own_limit(cast, settings):
    """docs/production.md's nginx block lets each upload through and nothing much larger (#12 gaps)."""
    import re
    from pathlib import Path

    from django.urls import resolve

    from oppfolging.documents import views as documents
    from oppfolging.gp import views as gp
    from oppfolging.outcomes import views as outcomes

    doc = (Path(__file__).resolve().parents[1] / "docs" / "production.md").read_text()
    block = doc.split("```nginx", 1)[1].split("```", 1)[0]
    default = int(re.search(r"^\s*client_max_body_size (\d+)m;", block, re.M).group(1))
    caps = {where: int(mb) for where, mb in re.findall(
        r"location [=~] \^?(\S+) \{\s*client_max_body_size (\d+)m;", block)}
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= default * MB <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 2 * MB
    expected = {
        "/plan/person/[0-9]+/dokumenter/": (documents, settings.DOCUMENT_MAX_FILE_MB),
        "/effekt/import/": (outcomes, settings.OUTCOME_IMPORT_MAX_MB),
        "/fastlege/risikoliste/": (gp, 2 * settings.GP_EXTRACT_MAX_MB),
    }
    assert set(caps) == set(expected)
    for where, (module, largest) in expected.items():
        assert largest * MB < caps[where] * MB <= largest * MB + 2 * MB, where
        url = where.replace("[0-9]+", str(cast.person.pk)) + ("ny/" if "dokumenter" in where else "")
        assert resolve(url).func.__module__ == module.__name__, url


MB = 1024 * 1024
