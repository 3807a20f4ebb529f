from __future__ import annotations

import datetime as dt

from django.urls import reverse

from oppfolging.assessments.models import Assessment, AssessmentStatus
from oppfolging.audit.models import AuditEvent
from oppfolging.referrals.models import Status

from .conftest import make_assessment, make_referral


def edit_data(assessment: Assessment, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "version": assessment.version,
        "what_matters": "Å klare meg selv hjemme og se barnebarna.",
        "psfs_direction": "higher_is_better",
        "school_work_needs": "", "school_work_resources": "",
        "family_network_needs": "Føler meg alene om kveldene.",
        "family_network_resources": "Sønnen kommer på søndager.",
        "housing_economy_needs": "", "housing_economy_resources": "",
        "own_health_needs": "Glemmer medisinene.", "own_health_resources": "",
        "participant_others": "Personen selv\nSønnen",
        "iplos_social_participation": "3", "iplos_cooking": "4", "iplos_eating": "9",
        "iplos_vision": "2",
        "psfs_1_activity": "Gå tur med hunden", "psfs_1_score": "3",
        "psfs_2_activity": "Lage middag", "psfs_2_score": "5",
    }
    data.update(changes)
    return data


def test_it_starts_an_assessment_for_a_referral_and_marks_the_referral(cast):
    referral = make_referral(cast)
    url = reverse("assessments:start", args=[cast.person.pk]) + f"?referral={referral.pk}"
    client = cast.client_for(cast.cu)
    assert "Kartleggingen knyttes til meldingen ABC123" in client.get(url).content.decode()
    response = client.post(url, {"started_on": "2026-02-01"})
    assessment = Assessment.objects.get()
    assert response["Location"] == reverse("assessments:edit",
                                           args=[cast.person.pk, assessment.pk])
    assert assessment.referral == referral and assessment.started_on == dt.date(2026, 2, 1)
    assert assessment.status == AssessmentStatus.IN_PROGRESS
    assert list(assessment.participants.values_list("user", flat=True)) == [cast.cu.pk]
    referral.refresh_from_db()
    assert referral.status == Status.IN_ASSESSMENT
    assert AuditEvent.objects.filter(resource="assessment", action="create").count() == 1


def test_it_gives_404_for_a_referral_of_another_person(cast):
    referral = make_referral(cast)
    referral.person = None
    referral.save()
    url = reverse("assessments:start", args=[cast.person.pk]) + f"?referral={referral.pk}"
    assert cast.client_for(cast.cu).get(url).status_code == 404


def test_it_starts_a_later_assessment_with_the_previous_activities_and_keeps_the_old_one(cast):
    first = make_assessment(cast, status=AssessmentStatus.COMPLETED,
                            psfs=[("Gå tur med hunden", 3)], direction="lower_is_better")
    url = reverse("assessments:start", args=[cast.person.pk])
    cast.client_for(cast.cu).post(url, {"started_on": "2026-06-01", "copy_psfs": "on"})
    later = Assessment.objects.exclude(pk=first.pk).get()
    assert later.psfs_pairs() == [("Gå tur med hunden", 3)]
    assert later.psfs_direction == "lower_is_better"
    first.refresh_from_db()
    assert first.status == AssessmentStatus.COMPLETED and first.psfs_pairs() == [("Gå tur med hunden", 3)]


def test_it_saves_the_whole_page_in_one_go(cast):
    assessment = make_assessment(cast)
    url = reverse("assessments:edit", args=[cast.person.pk, assessment.pk])
    client = cast.client_for(cast.cu)
    page = client.get(url).content.decode()
    assert "<legend" in page and "Sosial deltakelse" in page
    assert "Middels behov for hjelp" in page  # the help text of each level is visible
    data = edit_data(assessment, participant_users=[cast.gp.pk],
                     participant_services=[cast.service.pk])
    response = client.post(url, data)
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.version == 2
    assert assessment.what_matters.startswith("Å klare meg selv")
    assert assessment.iplos_dict() == {"social_participation": 3, "cooking": 4, "eating": 9,
                                       "vision": 2}
    assert assessment.iplos_mean == 3.5
    assert assessment.psfs_pairs() == [("Gå tur med hunden", 3), ("Lage middag", 5)]
    assert assessment.psfs_mean == 4.0
    assert sorted(p.display_name for p in assessment.participants.all()) == [
        "Hjemmesykepleien", "Lars Lege", "Personen selv", "Sønnen"]
    detail = client.get(response["Location"]).content.decode()
    assert "Snitt: 4.0 av 10" in detail or "Snitt: 4,0 av 10" in detail
    assert "ikke et offisielt tall" in detail
    assert AuditEvent.objects.filter(resource="assessment", action="update").count() == 1


def test_it_asks_for_a_score_when_an_activity_has_none(cast):
    assessment = make_assessment(cast)
    url = reverse("assessments:edit", args=[cast.person.pk, assessment.pk])
    response = cast.client_for(cast.cu).post(url, edit_data(assessment, psfs_1_score=""))
    assert response.status_code == 200
    assert "Velg en skår fra 0 til 10." in response.content.decode()
    assert assessment.psfs_activities.count() == 0


def test_it_refuses_a_stale_save_and_keeps_what_the_user_wrote(cast):
    assessment = make_assessment(cast)
    url = reverse("assessments:edit", args=[cast.person.pk, assessment.pk])
    client = cast.client_for(cast.cu)
    assert client.post(url, edit_data(assessment, what_matters="Først")).status_code == 302
    response = client.post(url, edit_data(assessment, what_matters="Min tekst",
                                          psfs_1_activity="Sykle"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Noen andre har lagret en endring mens du skrev" in html
    assert "Min tekst" in html and 'value="Sykle"' in html
    assessment.refresh_from_db()
    assert assessment.what_matters == "Først"
    assert assessment.psfs_pairs()[0][0] == "Gå tur med hunden"


def test_it_completes_after_confirmation_and_then_refuses_edits(cast):
    assessment = make_assessment(cast, psfs=[("Sove", 2)])
    client = cast.client_for(cast.cu)
    complete = reverse("assessments:complete", args=[cast.person.pk, assessment.pk])
    assert "blir låst" in client.get(complete).content.decode()
    assert client.post(complete, {}).status_code == 403
    assert client.post(complete, {"confirm": "yes"}).status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.COMPLETED and assessment.completed_at
    edit = reverse("assessments:edit", args=[cast.person.pk, assessment.pk])
    response = client.post(edit, edit_data(assessment, what_matters="Endret"))
    assert response["Location"] == reverse("assessments:detail",
                                           args=[cast.person.pk, assessment.pk])
    assessment.refresh_from_db()
    assert assessment.what_matters == "" and assessment.psfs_pairs() == [("Sove", 2)]
    detail = client.get(response["Location"]).content.decode()
    assert "Fullført og låst" in detail and "Fyll ut eller endre" not in detail


def test_it_shows_the_change_between_assessments_normalised_for_direction(cast):
    make_assessment(cast, status=AssessmentStatus.COMPLETED, started_on=dt.date(2026, 1, 5),
                    psfs=[("Gå tur med hunden", 8), ("Lage middag", 6)],
                    direction="lower_is_better",
                    iplos={"cooking": 4, "shopping": 4, "eating": 9})
    make_assessment(cast, status=AssessmentStatus.COMPLETED, started_on=dt.date(2026, 6, 5),
                    psfs=[("Gå tur med hunden", 7), ("Lage middag", 5)],
                    iplos={"cooking": 3, "shopping": 2, "eating": 9})
    url = reverse("assessments:person_assessments", args=[cast.person.pk])
    html = cast.client_for(cast.cu).get(url).content.decode()
    # Before: (2 + 4) / 2 = 3 on the higher-is-better scale; after: 6.
    assert "3.0 → 6.0 (endring 3.0)" in html or "3,0 → 6,0 (endring 3,0)" in html
    assert "tydelig bedre" in html
    assert "mindre behov for hjelp" in html
    assert "sikker endring" in html  # walking: 2 → 7


def test_a_double_click_starts_an_assessment_once(cast):
    """#13.4: the start form carries a one-time token; a repeat opens the assessment already started."""
    import re

    client = cast.client_for(cast.cu)
    url = reverse("assessments:start", args=[cast.person.pk])
    token = re.search(r'name="submission_token" value="([0-9a-f-]{36})"', client.get(url).content.decode()).group(1)
    data = {"started_on": "2026-02-01", "submission_token": token}
    first = client.post(url, data)
    assessment = Assessment.objects.get()
    repeat = client.post(url, data)
    assert repeat["Location"] == first["Location"] == reverse("assessments:edit", args=[cast.person.pk, assessment.pk])
    assert Assessment.objects.filter(person=cast.person).count() == 1
