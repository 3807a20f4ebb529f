"""Every assessment page: 404 to strangers and colleagues not serving the person, 403 to read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from oppfolging.assessments.models import MedicalAssessment
from oppfolging.audit.models import AuditEvent

from .conftest import make_assessment


def urls(cast):
    assessment = make_assessment(cast)
    medical = MedicalAssessment.objects.create(
        assessment=assessment, gp=cast.gp, question="Hva tåler hun av trening?",
        requested_by=cast.cu,
    )
    p = cast.person.pk
    return {
        "list": reverse("assessments:person_assessments", args=[p]),
        "start": reverse("assessments:start", args=[p]),
        "detail": reverse("assessments:detail", args=[p, assessment.pk]),
        "edit": reverse("assessments:edit", args=[p, assessment.pk]),
        "complete": reverse("assessments:complete", args=[p, assessment.pk]),
        "medical_request": reverse("assessments:medical_request", args=[p, assessment.pk]),
        "medical_answer": reverse("assessments:medical_answer", args=[p, medical.pk]),
        "decide": reverse("assessments:decide", args=[p]),
    }


@pytest.mark.parametrize("name", ["list", "start", "detail", "edit", "complete",
                                  "medical_request", "medical_answer", "decide"])
def test_it_is_404_to_a_stranger_and_a_colleague_not_serving_the_person(cast, name):
    url = urls(cast)[name]
    for user in (cast.stranger, cast.colleague, cast.leader):
        assert cast.client_for(user).get(url).status_code == 404
        assert cast.client_for(user).post(url, {"confirm": "yes"}).status_code == 404


@pytest.mark.parametrize("name", ["start", "edit", "complete", "medical_request", "decide"])
def test_it_is_403_to_the_gp_who_may_only_read(cast, name):
    url = urls(cast)[name]
    client = cast.client_for(cast.gp)
    assert client.get(url).status_code == 403
    assert client.post(url, {"confirm": "yes"}).status_code == 403


def test_it_lets_the_gp_read_the_history_and_the_assessment(cast):
    pages = urls(cast)
    client = cast.client_for(cast.gp)
    listing = client.get(pages["list"]).content.decode()
    assert "Kartlegginger for Petra Person" in listing
    assert "Start ny kartlegging" not in listing
    detail = client.get(pages["detail"]).content.decode()
    assert "Svar på forespørselen" in detail
    assert "Fyll ut eller endre" not in detail


@pytest.mark.parametrize("name", ["list", "start", "detail", "edit", "complete",
                                  "medical_request", "decide"])
def test_it_opens_every_page_to_the_coordinating_unit(cast, name):
    response = cast.client_for(cast.cu).get(urls(cast)[name])
    assert response.status_code == 200
    assert "Petra Person" in response.content.decode()


def test_it_logs_reading_an_assessment(cast):
    url = urls(cast)["detail"]
    cast.client_for(cast.gp).get(url)
    event = AuditEvent.objects.get(actor=cast.gp, action="read")
    assert event.person == cast.person and event.resource == "assessment"
