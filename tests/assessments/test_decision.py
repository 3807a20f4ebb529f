from __future__ import annotations

from django.core import mail
from django.urls import reverse

from oppfolging.access.policy import Basis, PersonGrant
from oppfolging.accounts.models import Role
from oppfolging.assessments.models import AssessmentStatus, Decision
from oppfolging.assessments.selectors import can_decide
from oppfolging.audit.models import AuditEvent
from oppfolging.referrals.models import Status

from .conftest import make_assessment, make_referral


def test_it_records_the_decision_and_tells_both_that_an_answer_waits_without_saying_what(deliver, cast):
    cast.person.email = "petra@example.invalid"
    cast.person.save()
    cast.colleague.email = "kim@example.invalid"
    cast.colleague.save()
    referral = make_referral(cast, reporter_email="rektor@example.invalid")
    referral.reporter_user = cast.colleague
    referral.save()
    assessment = make_assessment(cast, status=AssessmentStatus.COMPLETED)
    assessment.referral = referral
    assessment.save()
    url = reverse("assessments:decide", args=[cast.person.pk])
    client = cast.client_for(cast.cu)
    page = client.get(url).content.decode()
    assert "Oppfølgingsteam med individuell plan" in page
    response = client.post(url, {"outcome": "team_with_plan", "reason": "Mange tjenester.",
                                 "assessment": assessment.pk, "referral": referral.pk})
    assert response["Location"] == reverse("assessments:person_assessments",
                                           args=[cast.person.pk])
    decision = Decision.objects.get()
    assert decision.outcome == "team_with_plan" and decision.decided_by == cast.cu
    assert decision.person_informed_at and decision.reporter_informed_at
    referral.refresh_from_db()
    assert referral.status == Status.DECIDED and referral.closed_at
    assert mail.outbox == []  # nothing goes out before the transaction commits and the worker runs
    deliver()
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"petra@example.invalid", "kim@example.invalid"}
    to_person = by_recipient["petra@example.invalid"]
    assert "Koordinerende enhet har svart deg" in to_person.body
    assert "individuell plan" not in to_person.body.lower() and "Mange tjenester." not in to_person.body
    to_reporter = by_recipient["kim@example.invalid"]
    assert "ferdig med meldingen" in to_reporter.body and "individuell plan" not in to_reporter.body
    assert AuditEvent.objects.filter(resource="decision", action="create").count() == 1
    listing = client.get(response["Location"]).content.decode()
    assert "Personen fikk beskjed om at svaret ligger i Min plan" in listing


def test_it_sends_nothing_to_a_reporter_from_the_public_form(deliver, cast):
    """An address typed in the public form is not verified, so nothing is sent to it (#12)."""
    referral = make_referral(cast, reporter_email="rektor@example.invalid")
    cast.client_for(cast.cu).post(reverse("assessments:decide", args=[cast.person.pk]), {
        "outcome": "contact_person", "reason": "En fast kontakt holder.", "referral": referral.pk})
    deliver()
    assert mail.outbox == []
    assert Decision.objects.get().reporter_informed_at is None


def test_it_records_a_decision_without_email_addresses_and_sends_nothing(deliver, cast):
    url = reverse("assessments:decide", args=[cast.person.pk])
    response = cast.client_for(cast.cu).post(url, {"outcome": "contact_person",
                                                   "reason": "En fast kontakt holder."})
    assert response.status_code == 302
    deliver()
    decision = Decision.objects.get()
    assert decision.person_informed_at is None and decision.reporter_informed_at is None
    assert mail.outbox == []


def test_it_requires_an_outcome_and_a_reason(cast):
    url = reverse("assessments:decide", args=[cast.person.pk])
    response = cast.client_for(cast.cu).post(url, {"outcome": "", "reason": ""})
    assert response.status_code == 200
    assert "Noe må rettes" in response.content.decode()
    assert not Decision.objects.exists()


def test_it_is_read_only_for_the_gp(cast):
    url = reverse("assessments:decide", args=[cast.person.pk])
    response = cast.client_for(cast.gp).post(url, {"outcome": "none", "reason": "x"})
    assert response.status_code == 403
    assert not Decision.objects.exists()


def test_it_leaves_decisions_to_the_coordinating_unit_even_when_others_may_write(cast):
    unit = PersonGrant(cast.person, Basis.COORDINATING_UNIT, Role.COORDINATING_UNIT, "", True)
    coordinator = PersonGrant(cast.person, Basis.COORDINATOR, Role.COORDINATOR, "", True)
    assert can_decide(unit) and not can_decide(coordinator)


def test_a_double_click_records_one_decision_and_tells_the_person_once(deliver, cast):
    cast.person.email = "petra@example.invalid"
    cast.person.save()
    url = reverse("assessments:decide", args=[cast.person.pk])
    client = cast.client_for(cast.cu)
    token = "6f0c3a52-2b1e-4f7e-9a51-6c2f1f0a9b11"
    data = {"outcome": "contact_person", "reason": "En fast kontakt holder.", "submission_token": token}
    assert client.post(url, data).status_code == 302
    second = client.post(url, data, follow=True)
    assert "Avgjørelsen var allerede registrert." in second.content.decode()
    assert Decision.objects.count() == 1
    deliver()
    assert len([m for m in mail.outbox if "petra@example.invalid" in m.to]) == 1
