import datetime as dt

from django.core import mail
from django.urls import reverse

from oppfolging.notifications.models import Notification
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
    assert '<strong class="overdue">forfalt</strong>' in html
    assert late.is_overdue


def test_it_assigns_a_case_worker_who_then_sees_the_person(cast):
    from oppfolging.access import policy
    from oppfolging.accounts.models import RoleAssignment

    referral = make_referral(cast, person=cast.person)
    RoleAssignment.objects.create(user=cast.colleague, municipality=cast.municipality, role="coordinator")
    assert policy.person_grant(user=cast.colleague, person=cast.person) is None
    response = cast.client_for(cast.cu).post(
        reverse("referrals:assign", args=[referral.pk]), {"assignee": cast.colleague.pk, "version": referral.version})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.assigned_to == cast.colleague
    cast.colleague._role_assignments_cache = None
    grant = policy.person_grant(user=cast.colleague, person=cast.person)
    assert grant is not None and grant.basis == policy.Basis.CASE_WORKER
    assert cast.client_for(cast.colleague).get(reverse("referrals:detail", args=[referral.pk])).status_code == 200


def test_it_declines_with_a_reason_and_tells_an_in_app_reporter_only_that_it_is_handled(
        cast, django_capture_on_commit_callbacks):
    cast.colleague.email = "kim@example.invalid"
    cast.colleague.save()
    referral = make_referral(cast, reporter_user=cast.colleague)
    client = cast.client_for(cast.cu)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("referrals:decline", args=[referral.pk]),
                               {"reason": "Behovene dekkes av hjemmesykepleien alene.", "version": referral.version})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "declined" and referral.closed_at
    assert referral.decline_reason == "Behovene dekkes av hjemmesykepleien alene."
    assert mail.outbox[-1].to == ["kim@example.invalid"]
    assert "taushetsplikten" in mail.outbox[-1].body
    assert "hjemmesykepleien alene" not in mail.outbox[-1].body
    assert Notification.objects.get(recipient_user=cast.colleague).kind == "referral_closed"


def test_it_never_sends_a_decline_reason_by_email(cast, django_capture_on_commit_callbacks):
    """A reason may hold health information, and the public form's address is not verified (#12)."""
    referral = make_referral(cast, source="person", reporter_email="petra@example.invalid")
    with django_capture_on_commit_callbacks(execute=True):
        response = cast.client_for(cast.cu).post(reverse("referrals:decline", args=[referral.pk]),
                                                 {"reason": "Behovene dekkes av hjemmesykepleien alene.",
                                                  "version": referral.version}, follow=True)
    assert mail.outbox == []
    assert "Melderen får ikke beskjed automatisk" in response.content.decode()


def test_it_keeps_triage_to_the_unit_even_for_the_assigned_case_worker(cast):
    from oppfolging.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=cast.colleague, municipality=cast.municipality, role="coordinator")
    referral = make_referral(cast, assigned_to=cast.colleague)
    client = cast.client_for(cast.colleague)
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 200
    assert client.post(reverse("referrals:link_person", args=[referral.pk]),
                       {"person": cast.person.pk}).status_code == 403
    assert client.post(reverse("referrals:decline", args=[referral.pk]), {"reason": "Ikke aktuelt nå i det hele tatt"}).status_code == 403
    referral.refresh_from_db()
    assert referral.person is None and referral.status == "received"


def test_it_never_relinks_a_report_to_another_person(cast):
    referral = make_referral(cast, person=cast.person)
    other = cast.person.__class__.objects.create(
        municipality=cast.municipality, given_name="Annen", family_name="Person",
        identity_number="01018012345", identity_kind="tenor", birth_date="1980-01-01", gender="male")
    cast.client_for(cast.cu).post(reverse("referrals:link_person", args=[referral.pk]), {"person": other.pk})
    referral.refresh_from_db()
    assert referral.person == cast.person


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


def test_it_refuses_a_triage_action_from_a_stale_page(cast):
    referral = make_referral(cast)
    client = cast.client_for(cast.cu)
    client.post(reverse("referrals:assign", args=[referral.pk]), {"assignee": cast.cu.pk, "version": 1})
    response = client.post(reverse("referrals:decline", args=[referral.pk]),
                           {"reason": "Gammel side, skulle ikke gå gjennom", "version": 1}, follow=True)
    assert "Noen andre endret meldingen" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "received" and referral.assigned_to == cast.cu


def test_it_refuses_a_triage_action_without_the_version_it_was_made_on(cast):
    """#13: a request that cannot say which version it saw is refused as a stale one, never applied."""
    referral = make_referral(cast)
    client = cast.client_for(cast.cu)
    client.post(reverse("referrals:assign", args=[referral.pk]), {"assignee": cast.cu.pk})
    client.post(reverse("referrals:deadline", args=[referral.pk]), {"deadline": "2031-02-03"})
    response = client.post(reverse("referrals:decline", args=[referral.pk]),
                           {"reason": "Uten versjon skal dette ikke gå gjennom"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Noen andre endret meldingen" in html
    assert "Uten versjon skal dette ikke gå gjennom</textarea>" in html  # what the user wrote is kept
    assert f'name="version" value="{referral.version}"' in html
    referral.refresh_from_db()
    assert referral.version == 1 and referral.status == "received"
    assert referral.assigned_to is None and referral.deadline == dt.date(2030, 1, 1)


def test_it_closes_the_report_to_the_case_worker_once_it_is_closed(cast):
    """Issue 12.13: a case worker read a report after it was declined, decided or withdrawn."""
    from oppfolging.access import policy

    referral = make_referral(cast, person=cast.person, assigned_to=cast.colleague, status="in_assessment")
    worker = cast.client_for(cast.colleague)
    url = reverse("referrals:detail", args=[referral.pk])
    assert worker.get(url).status_code == 200
    cast.client_for(cast.cu).post(reverse("referrals:decline", args=[referral.pk]),
                                  {"reason": "Behovene dekkes av hjemmesykepleien alene.", "version": referral.version})
    referral.refresh_from_db()
    assert referral.status == "declined"
    assert worker.get(url).status_code == 404
    assert "Petra Person" not in worker.get(reverse("referrals:queue"), {"status": "all"}).content.decode()
    assert not policy.referrals_visible_to(user=cast.colleague, municipality=cast.municipality).exists()
    assert cast.client_for(cast.cu).get(url).status_code == 200


def test_the_new_report_form_lists_no_persons_until_searched(cast):
    """No page lists every person: the form has a search, not a list of everyone the user serves."""
    client = cast.client_for(cast.cu)
    html = client.get(reverse("referrals:create")).content.decode()
    assert cast.person.full_name not in html
    assert reverse("referrals:person_search") in html
    # Coming from a person's page, that person is chosen already.
    html = client.get(reverse("referrals:create") + f"?person={cast.person.pk}").content.decode()
    assert f'value="{cast.person.pk}" checked' in html


def test_the_person_picker_searches_through_the_access_policy(cast):
    from oppfolging.audit.models import AuditEvent

    url = reverse("referrals:person_search")
    found = cast.client_for(cast.cu).get(url, {"person_q": cast.person.family_name}).content.decode()
    assert f'value="{cast.person.pk}"' in found
    assert AuditEvent.objects.filter(actor=cast.cu, action="search", resource="person_list").exists()
    by_number = cast.client_for(cast.cu).get(url, {"person_q": cast.person.identity_number[:6]}).content.decode()
    assert f'value="{cast.person.pk}"' in by_number
    # Another municipality's person is never offered, whatever is typed.
    other = cast.client_for(cast.cu).get(url, {"person_q": cast.other_person.family_name}).content.decode()
    assert f'value="{cast.other_person.pk}"' not in other
    # A user who does not serve the person does not find them; a leader may not search at all.
    assert f'value="{cast.person.pk}"' not in cast.client_for(cast.colleague).get(
        url, {"person_q": cast.person.family_name}).content.decode()
    assert cast.client_for(cast.leader).get(url, {"person_q": "Per"}).status_code == 403


def test_two_in_app_reports_for_the_same_new_number_at_once_register_one_person(cast, monkeypatch):
    """#13.5: the second insert meets the unique number and uses the person the first made."""
    import datetime as dt

    from oppfolging.access.policy import staff_grant
    from oppfolging.lib import identity
    from oppfolging.people.models import Person
    from oppfolging.referrals import services

    number = identity.make_synthetic(birth_date=dt.date(1951, 5, 6), individual=222)
    real_create = Person.objects.create
    raced = []

    def the_other_report_lands_first(**fields):
        if not raced:
            raced.append(real_create(**fields))  # committed by the other request, in real life
        return real_create(**fields)

    monkeypatch.setattr(Person.objects, "create", the_other_report_lands_first)
    grant = staff_grant(user=cast.cu, municipality=cast.municipality)
    referral = services.referral_create(
        grant=grant, source="municipal_service", reporter_name="Kari", subject_given_name="Nye",
        subject_family_name="Nordmann", subject_identity_number=number, observations="Faller ofte.",
        urgency="normal", consent="given")
    # No error: the report is saved. (Here the other insert shares the savepoint and is rolled back
    # with it, so the report waits for the unit to link it; in real life it links the person the
    # other request committed.)
    assert raced and referral.pk is not None
    assert Person.objects.filter(identity_number=number).count() <= 1


def test_a_double_click_on_the_in_app_report_sends_it_once(cast):
    """#13.4: the in-app form carries a one-time token; sent twice, one report, and the receipt is shown."""
    import re

    client = cast.client_for(cast.gp)
    url = reverse("referrals:create")
    token = re.search(r'name="submission_token" value="([0-9a-f-]{36})"', client.get(url).content.decode()).group(1)
    data = {"person": cast.person.pk, "source": "gp", "observations": "Faller oftere hjemme.",
            "person_wants": "", "urgency": "normal", "consent": "given", "consent_absent_reason": "",
            "subject_identity_number": "", "subject_birth_date": "", "subject_phone": "",
            "subject_address": "", "subject_given_name": "", "subject_family_name": "", "submission_token": token}
    assert client.post(url, data).status_code == 302
    repeat = client.post(url, data, follow=True)
    referral = Referral.objects.get(observations="Faller oftere hjemme.")
    assert f"Meldingen var allerede sendt. Kvitteringsnummer: {referral.receipt_code}" in repeat.content.decode()
