from __future__ import annotations

from django.urls import reverse

from oppfolging.assessments.models import AssessmentParticipant, AssessmentStatus

from .conftest import make_assessment


def test_it_lets_a_participating_team_member_edit_an_open_assessment(cast):
    assessment = make_assessment(cast)
    AssessmentParticipant.objects.create(assessment=assessment, user=cast.colleague,
                                         role_description="Sykepleier")
    url = reverse("assessments:edit", args=[cast.person.pk, assessment.pk])
    client = cast.client_for(cast.colleague)
    page = client.get(url).content.decode()
    assert "Lagre og fullfør" not in page  # completing is the coordinating unit's
    response = client.post(url, {
        "version": assessment.version, "psfs_direction": "higher_is_better",
        "what_matters": "Å komme meg ut.", "participant_users": [cast.colleague.pk],
        "iplos_moving_outdoors": "4",
    })
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.what_matters == "Å komme meg ut."
    assert assessment.iplos_dict() == {"moving_outdoors": 4}
    # Still read-only for what only the coordinating unit does.
    complete = reverse("assessments:complete", args=[cast.person.pk, assessment.pk])
    assert client.post(complete, {"confirm": "yes"}).status_code == 403


def test_it_refuses_a_team_member_who_does_not_take_part(cast, other_team_member):
    assessment = make_assessment(cast)
    AssessmentParticipant.objects.create(assessment=assessment, user=cast.colleague)
    url = reverse("assessments:edit", args=[cast.person.pk, assessment.pk])
    response = cast.client_for(other_team_member).post(url, {"what_matters": "Nei"})
    assert response.status_code == 404
    assessment.refresh_from_db()
    assert assessment.what_matters == ""


def test_it_closes_the_assessment_to_the_participant_once_completed(cast):
    assessment = make_assessment(cast, status=AssessmentStatus.COMPLETED)
    AssessmentParticipant.objects.create(assessment=assessment, user=cast.colleague)
    url = reverse("assessments:edit", args=[cast.person.pk, assessment.pk])
    assert cast.client_for(cast.colleague).get(url).status_code == 404


def test_it_does_not_let_a_participant_of_one_assessment_edit_another(cast):
    mine = make_assessment(cast)
    AssessmentParticipant.objects.create(assessment=mine, user=cast.colleague)
    other = make_assessment(cast)
    url = reverse("assessments:edit", args=[cast.person.pk, other.pk])
    assert cast.client_for(cast.colleague).get(url).status_code == 403
