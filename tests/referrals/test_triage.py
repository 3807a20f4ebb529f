import datetime as dt

from django.core import mail
from django.urls import reverse

from oppfolging.referrals.models import Referral


def make_referral(cast, **fields):
    data = dict(
        municipality=cast.municipality, subject_given_name="Petra", subject_family_name="Person",
        source="school", channel="public_form", reporter_name="Lærer Lund",
        reporter_email="lund@example.invalid", observations="Mye fravær.", consent="given",
        deadline=dt.date(2030, 1, 1), receipt_code=f"K{Referral.objects.count():07d}",
    )
    data.update(fields)
    return Referral.objects.create(**data)


def test_it_lists_the_queue_with_overdue_reports_first(cast):
    late = make_referral(cast, deadline=dt.date(2020, 1, 1), subject_given_name="Sen")
    make_referral(cast, subject_given_name="Tidlig")
    html = cast.client_for(cast.cu).get(reverse("referrals:queue")).content.decode()
    assert html.index("Sen Person") < html.index("Tidlig Person")
    assert "over fristen" in html
    assert late.is_overdue


def test_it_assigns_a_case_worker_who_then_sees_the_person(cast):
    from oppfolging.access import policy
    from oppfolging.accounts.models import RoleAssignment

    referral = make_referral(cast, person=cast.person)
    RoleAssignment.objects.create(user=cast.colleague, municipality=cast.municipality, role="coordinator")
    assert policy.person_grant(user=cast.colleague, person=cast.person) is None
    response = cast.client_for(cast.cu).post(
        reverse("referrals:assign", args=[referral.pk]), {"assignee": cast.colleague.pk})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.assigned_to == cast.colleague
    cast.colleague._role_assignments_cache = None
    grant = policy.person_grant(user=cast.colleague, person=cast.person)
    assert grant is not None and grant.basis == policy.Basis.CASE_WORKER
    assert cast.client_for(cast.colleague).get(reverse("referrals:detail", args=[referral.pk])).status_code == 200


def test_it_declines_with_a_reason_and_tells_the_reporter(cast):
    referral = make_referral(cast)
    client = cast.client_for(cast.cu)
    response = client.post(reverse("referrals:decline", args=[referral.pk]),
                           {"reason": "Behovene dekkes av hjemmesykepleien alene."})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "declined" and referral.closed_at
    assert mail.outbox[-1].to == ["lund@example.invalid"]
    assert "Behovene dekkes av hjemmesykepleien alene." in mail.outbox[-1].body


def test_it_links_a_report_to_the_register(cast):
    referral = make_referral(cast)
    client = cast.client_for(cast.cu)
    client.post(reverse("referrals:link_person", args=[referral.pk]),
                {"identity_number": cast.person.identity_number})
    referral.refresh_from_db()
    assert referral.person == cast.person


def test_it_refuses_linking_to_a_person_of_another_municipality(cast):
    referral = make_referral(cast)
    cast.client_for(cast.cu).post(reverse("referrals:link_person", args=[referral.pk]),
                                  {"person": cast.other_person.pk})
    referral.refresh_from_db()
    assert referral.person is None


def test_it_hides_reports_from_others(cast):
    referral = make_referral(cast)
    for user in (cast.gp, cast.colleague, cast.leader, cast.stranger, cast.evaluator):
        client = cast.client_for(user)
        assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
        assert client.post(reverse("referrals:decline", args=[referral.pk]),
                           {"reason": "Ikke min sak i det hele tatt"}).status_code == 404
    referral.refresh_from_db()
    assert referral.status == "received"


def test_it_lets_a_professional_report_from_inside_the_app(cast):
    client = cast.client_for(cast.gp)
    response = client.post(reverse("referrals:create"), {
        "person": cast.person.pk, "source": "gp", "observations": "Økende funksjonsfall.",
        "person_wants": "", "urgency": "normal", "consent": "given", "consent_absent_reason": "",
        "subject_identity_number": "", "subject_birth_date": "", "subject_phone": "",
        "subject_address": "", "subject_given_name": "", "subject_family_name": ""})
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.person == cast.person and referral.reporter_user == cast.gp
    assert referral.channel == "in_app"
    # The in-app form offers only persons the reporter already serves.
    html = client.get(reverse("referrals:create")).content.decode()
    assert "Otto Annen" not in html


def test_it_keeps_the_queue_from_leaders(cast):
    assert cast.client_for(cast.leader).get(reverse("referrals:queue")).status_code == 404
    assert cast.client_for(cast.leader).get(reverse("referrals:create")).status_code == 403
