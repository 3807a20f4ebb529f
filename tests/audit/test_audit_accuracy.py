"""The access log says what was shown: a refused request is no read, one look is one entry."""

from __future__ import annotations

from django.urls import reverse

from oppfolging.audit.models import AuditEvent

from ..assessments.conftest import make_assessment


def test_it_logs_no_read_when_the_request_is_refused(cast):
    assessment = make_assessment(cast)
    before = AuditEvent.objects.count()
    response = cast.client_for(cast.gp).get(
        reverse("assessments:edit", args=[cast.person.pk, assessment.pk]))
    assert response.status_code == 403
    assert AuditEvent.objects.count() == before


def test_it_logs_no_read_when_a_record_under_the_person_does_not_exist(cast):
    before = AuditEvent.objects.count()
    response = cast.client_for(cast.cu).get(reverse("assessments:detail", args=[cast.person.pk, 999999]))
    assert response.status_code == 404
    assert AuditEvent.objects.count() == before


def test_it_logs_the_person_shown_on_the_new_report_page(cast):
    html = cast.client_for(cast.cu).get(reverse("referrals:create")).content.decode()
    assert "Petra Person" not in html  # no one is listed: the picker searches (and logs each search)
    assert not AuditEvent.objects.filter(actor=cast.cu).exists()
    url = reverse("referrals:create") + f"?person={cast.person.pk}"
    assert "Petra Person" in cast.client_for(cast.cu).get(url).content.decode()
    entry = AuditEvent.objects.get(actor=cast.cu)
    assert (entry.action, entry.resource, entry.person, entry.purpose) == (
        "read", "person", cast.person, "Velge person til en melding om behov")
