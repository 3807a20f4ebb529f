from __future__ import annotations

from django.urls import reverse

from oppfolging.assessments.models import MedicalAssessment
from oppfolging.assessments.selectors import open_medical_requests_for
from oppfolging.audit.models import AuditEvent

from .conftest import make_assessment


def test_it_requests_a_medical_assessment_from_the_persons_gp_by_default(cast):
    assessment = make_assessment(cast)
    url = reverse("assessments:medical_request", args=[cast.person.pk, assessment.pk])
    client = cast.client_for(cast.cu)
    page = client.get(url).content.decode()
    assert f'<option value="{cast.gp.pk}" selected>' in page
    response = client.post(url, {"gp": cast.gp.pk, "question": "Tåler hun mer trening?"})
    assert response.status_code == 302
    medical = MedicalAssessment.objects.get()
    assert medical.assessment == assessment and medical.gp == cast.gp
    assert medical.requested_by == cast.cu and not medical.is_answered
    assert list(open_medical_requests_for(user=cast.gp)) == [medical]
    assert list(open_medical_requests_for(user=cast.cu)) == []


def test_it_lets_the_addressed_gp_answer_once(cast):
    assessment = make_assessment(cast)
    medical = MedicalAssessment.objects.create(assessment=assessment, gp=cast.gp,
                                               question="Tåler hun mer trening?",
                                               requested_by=cast.cu)
    url = reverse("assessments:medical_answer", args=[cast.person.pk, medical.pk])
    client = cast.client_for(cast.gp)
    assert "Tåler hun mer trening?" in client.get(url).content.decode()
    response = client.post(url, {"answer": "Ja, gradvis opptrapping."})
    assert response["Location"] == reverse("assessments:detail",
                                           args=[cast.person.pk, assessment.pk])
    medical.refresh_from_db()
    assert medical.answer == "Ja, gradvis opptrapping." and medical.answered_at
    assert list(open_medical_requests_for(user=cast.gp)) == []
    assert AuditEvent.objects.filter(resource="medical_assessment", action="update",
                                     actor=cast.gp).count() == 1
    client.post(url, {"answer": "Overskrevet"})
    medical.refresh_from_db()
    assert medical.answer == "Ja, gradvis opptrapping."
    detail = cast.client_for(cast.cu).get(response["Location"]).content.decode()
    assert "Ja, gradvis opptrapping." in detail


def test_it_refuses_an_answer_from_anyone_but_the_addressed_gp(cast):
    assessment = make_assessment(cast)
    medical = MedicalAssessment.objects.create(assessment=assessment, gp=cast.gp,
                                               question="?", requested_by=cast.cu)
    url = reverse("assessments:medical_answer", args=[cast.person.pk, medical.pk])
    assert cast.client_for(cast.cu).post(url, {"answer": "Nei"}).status_code == 403
    assert cast.client_for(cast.stranger).get(url).status_code == 404
    medical.refresh_from_db()
    assert medical.answer == ""


def test_it_gives_404_for_a_request_about_another_person(cast):
    assessment = make_assessment(cast)
    medical = MedicalAssessment.objects.create(assessment=assessment, gp=cast.gp,
                                               question="?", requested_by=cast.cu)
    cast.other_person.gp = cast.gp
    cast.other_person.save()
    url = reverse("assessments:medical_answer", args=[cast.other_person.pk, medical.pk])
    assert cast.client_for(cast.gp).get(url).status_code == 404
