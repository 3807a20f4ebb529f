import datetime as dt

from django.core import mail
from django.urls import reverse

from oppfolging.access import policy
from oppfolging.accounts.models import RoleAssignment
from oppfolging.audit.models import AuditEvent
from oppfolging.notifications.models import Notification
from oppfolging.plans.models import IndividualPlan
from oppfolging.teams.models import (
    Consent,
    CoordinatorAssignment,
    CoordinatorProfile,
    CoordinatorWish,
    Team,
    TeamMembership,
)

from ..conftest import make_person


def test_it_refuses_a_team_without_a_decision_for_one(cast):
    response = cast.client_for(cast.cu).post(reverse("teams:team_create", args=[cast.person.pk]))
    assert response.status_code == 302
    assert not Team.objects.exists()


def test_it_creates_a_team_with_the_person_and_the_gp_as_medically_responsible(cast):
    from oppfolging.assessments.models import Decision

    Decision.objects.create(person=cast.person, outcome="team", reason="x", decided_by=cast.cu)
    cast.client_for(cast.cu).post(reverse("teams:team_create", args=[cast.person.pk]))
    team = Team.objects.get()
    kinds = sorted((m.kind, m.is_medically_responsible, m.user_id) for m in team.memberships.all())
    assert kinds == [("person", False, None), ("professional", True, cast.gp.pk)]


def test_it_shows_the_wish_when_appointing_and_records_whether_it_was_met(cast, team):
    CoordinatorProfile.objects.create(user=cast.cu, municipality=cast.municipality)
    CoordinatorProfile.objects.create(user=cast.colleague, municipality=cast.municipality, max_caseload=1)
    CoordinatorWish.objects.create(person=cast.person, wished_user=cast.colleague,
                                   text="Kim kjenner meg", stated_by="person")
    client = cast.client_for(cast.cu)
    html = client.get(reverse("teams:coordinator_appoint", args=[cast.person.pk])).content.decode()
    assert "Kim kjenner meg" in html and "ønsket" in html
    client.post(reverse("teams:coordinator_appoint", args=[cast.person.pk]), {"coordinator": cast.colleague.pk})
    assignment = CoordinatorAssignment.objects.get()
    assert assignment.coordinator == cast.colleague and assignment.wish_met is True


def test_it_hands_a_team_over_with_an_overlap_a_note_from_the_outgoing_and_a_receipt(deliver, cast, team, settings):
    settings.HANDOVER_OVERLAP_DAYS = 14
    outgoing, incoming = cast.cu, cast.colleague
    for user in (outgoing, incoming):
        CoordinatorProfile.objects.create(user=user, municipality=cast.municipality)
    RoleAssignment.objects.create(user=incoming, role="coordinator", municipality=cast.municipality)
    cast.person.email = "petra@example.invalid"
    cast.person.save()
    client = cast.client_for(cast.cu)
    url = reverse("teams:coordinator_appoint", args=[cast.person.pk])
    client.post(url, {"coordinator": outgoing.pk})
    # The unit hands over without a note: the outgoing coordinator is asked to write one.
    response = client.post(url, {"coordinator": incoming.pk, "handover_note": ""})
    assert response.status_code == 302
    old, new = CoordinatorAssignment.objects.order_by("started_at")
    assert new.ended_at is None and old.ended_at - new.started_at >= dt.timedelta(days=14)
    incoming._role_assignments_cache = None
    assert policy.person_grant(user=incoming, person=cast.person).basis == "coordinator"
    outgoing._role_assignments_cache = None
    assert policy.person_grant(user=outgoing, person=cast.person) is not None  # the overlap
    assert Notification.objects.filter(kind="handover_to_write", recipient_user=outgoing).count() == 0  # wrote none as the unit
    client.post(reverse("teams:handover_note", args=[cast.person.pk, new.pk]),
                {"note": "Petra vil ha møter hjemme.", "version": new.version})
    (ask,) = Notification.objects.filter(kind="handover", recipient_user=incoming)
    html = cast.client_for(incoming).get(reverse("teams:person_team", args=[cast.person.pk])).content.decode()
    assert "Petra vil ha møter hjemme." in html and "Jeg har lest overføringsnotatet" in html
    cast.client_for(incoming).post(reverse("teams:handover_read", args=[cast.person.pk, new.pk]))
    new.refresh_from_db()
    ask.refresh_from_db()
    assert new.handover_read_at is not None and ask.done_at is not None
    deliver()
    told = [m for m in mail.outbox if m.to == ["petra@example.invalid"]]
    assert told and "ny koordinator" in told[-1].body and "Kim" not in told[-1].body


def test_it_asks_before_appointing_a_coordinator_over_their_caseload(cast, team):
    CoordinatorProfile.objects.create(user=cast.colleague, municipality=cast.municipality, max_caseload=1)
    second = make_person(cast.municipality, given="Siri", family="Sekund", birth=dt.date(1950, 2, 3), individual=345)
    other_team = Team.objects.create(person=second, created_by=cast.cu)
    CoordinatorAssignment.objects.create(team=other_team, coordinator=cast.colleague, appointed_by=cast.cu)
    client = cast.client_for(cast.cu)
    url = reverse("teams:coordinator_appoint", args=[cast.person.pk])
    html = client.post(url, {"coordinator": cast.colleague.pk}).content.decode()
    assert "koordinerer allerede 1 personer, og grensen er 1" in html
    assert not CoordinatorAssignment.objects.filter(team=team).exists()
    client.post(url, {"coordinator": cast.colleague.pk, "overloaded_ok": "on"})
    assert CoordinatorAssignment.objects.filter(team=team, coordinator=cast.colleague).exists()


def test_it_flags_a_coordinator_at_the_limit_before_the_unit_is_asked_to_confirm(cast, team):
    CoordinatorProfile.objects.create(user=cast.colleague, municipality=cast.municipality, max_caseload=1)
    CoordinatorProfile.objects.create(user=cast.cu, municipality=cast.municipality, max_caseload=1)
    second = make_person(cast.municipality, given="Siri", family="Sekund", birth=dt.date(1950, 2, 3), individual=345)
    other_team = Team.objects.create(person=second, created_by=cast.cu)
    CoordinatorAssignment.objects.create(team=other_team, coordinator=cast.colleague, appointed_by=cast.cu)
    html = cast.client_for(cast.cu).get(reverse("teams:coordinator_appoint", args=[cast.person.pk])).content.decode()
    rows = {row.split("</th>")[0].rsplit(">", 1)[-1].strip(): row for row in html.split("<tr")[2:]}
    assert 'class="flagged"' in "<tr" + rows["Kim Kollega"] and "Ved grensen" in rows["Kim Kollega"]
    assert "Ved grensen" not in rows["Kari Koordinerende"] and "flagged" not in rows["Kari Koordinerende"]


def test_it_lets_the_coordinator_manage_the_team(cast, team):
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.colleague, appointed_by=cast.cu)
    cast.colleague._role_assignments_cache = None
    client = cast.client_for(cast.colleague)
    response = client.post(reverse("teams:consent_add", args=[cast.person.pk]), {
        "scope": "next_of_kin", "related_person": cast.next_of_kin.pk, "given_by": "person",
        "method": "verbal", "note": ""})
    assert response.status_code == 302
    response = client.post(reverse("teams:membership_add", args=[cast.person.pk]), {
        "kind": "next_of_kin", "related_person": cast.next_of_kin.pk, "role_in_team": "Sønn",
        "joined_on": "2026-01-01"})
    assert response.status_code == 302
    assert TeamMembership.objects.filter(related_person=cast.next_of_kin).exists()


def test_it_refuses_a_next_of_kin_in_the_team_without_consent(cast, team):
    response = cast.client_for(cast.cu).post(reverse("teams:membership_add", args=[cast.person.pk]), {
        "kind": "next_of_kin", "related_person": cast.next_of_kin.pk, "role_in_team": "Sønn",
        "joined_on": "2026-01-01"})
    assert "ikke samtykket" in response.content.decode()
    assert not TeamMembership.objects.filter(related_person=cast.next_of_kin).exists()


def test_it_creates_no_plan_without_consent(cast, team):
    Consent.objects.filter(scope="team_and_plan").delete()
    client = cast.client_for(cast.cu)
    client.post(reverse("teams:plan_create", args=[cast.person.pk]))
    assert not IndividualPlan.objects.exists()
    Consent.objects.create(person=cast.person, scope="team_and_plan", given_by="person", method="digital")
    client.post(reverse("teams:plan_create", args=[cast.person.pk]))
    assert IndividualPlan.objects.get().person == cast.person
    assert AuditEvent.objects.filter(resource="individual_plan", action="create").count() == 1


def test_it_needs_a_guardian_to_consent_for_a_guardian(cast):
    response = cast.client_for(cast.cu).post(reverse("teams:consent_add", args=[cast.person.pk]), {
        "scope": "team_and_plan", "given_by": "guardian", "given_by_related": "", "method": "paper"})
    assert response.status_code == 200
    assert not Consent.objects.exists()


def test_it_shows_the_pool_with_caseload_and_training(cast, team):
    CoordinatorProfile.objects.create(user=cast.colleague, municipality=cast.municipality, max_caseload=1)
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.colleague, appointed_by=cast.cu)
    second = make_person(cast.municipality, given="Siri", family="Sekund", birth=dt.date(1950, 2, 3), individual=345)
    other_team = Team.objects.create(person=second, created_by=cast.cu)
    CoordinatorAssignment.objects.create(team=other_team, coordinator=cast.colleague, appointed_by=cast.cu)
    client = cast.client_for(cast.cu)
    client.post(reverse("teams:pool"), {"add_training": "1", "user": cast.colleague.pk,
                                        "course": "Koordinatoropplæring", "completed_on": "2026-03-01"})
    html = client.get(reverse("teams:pool")).content.decode()
    assert "Koordinatoropplæring" in html and "overbelastet" in html


def test_it_gives_the_unit_an_overview_with_filters(cast, team):
    html = cast.client_for(cast.cu).get(reverse("teams:overview")).content.decode()
    assert "Petra Person" in html and "Mangler" in html
    html = cast.client_for(cast.cu).get(reverse("teams:overview"), {"age_group": "0"}).content.decode()
    assert "Petra Person" not in html
    html = cast.client_for(cast.cu).get(reverse("teams:overview"), {"service": cast.service.pk}).content.decode()
    assert "Petra Person" in html


def test_it_hides_team_pages_from_strangers_and_keeps_them_read_only_for_the_gp(cast, team):
    share = Consent.objects.get(scope="share_with_service")
    membership = TeamMembership.objects.get(user=cast.colleague)
    writes = [
        ("teams:wish_record", [cast.person.pk]), ("teams:team_create", [cast.person.pk]),
        ("teams:coordinator_appoint", [cast.person.pk]), ("teams:membership_add", [cast.person.pk]),
        ("teams:membership_end", [cast.person.pk, membership.pk]),
        ("teams:consent_add", [cast.person.pk]),
        ("teams:consent_withdraw", [cast.person.pk, share.pk]), ("teams:plan_create", [cast.person.pk]),
    ]
    for name, args in writes:
        assert cast.client_for(cast.gp).post(reverse(name, args=args)).status_code == 403, name
        assert cast.client_for(cast.stranger).post(reverse(name, args=args)).status_code == 404, name
        assert cast.client_for(cast.leader).post(reverse(name, args=args)).status_code == 404, name
    assert cast.client_for(cast.stranger).get(reverse("teams:person_team", args=[cast.person.pk])).status_code == 404
    assert cast.client_for(cast.gp).get(reverse("teams:pool")).status_code == 403
    assert cast.client_for(cast.gp).get(reverse("teams:overview")).status_code == 403
    share.refresh_from_db()
    assert share.withdrawn_at is None


def test_a_refused_coordinator_wish_keeps_what_was_typed(cast, team):
    text = "Hun vil ha en som kjenner familien fra før, og som snakker arabisk."
    response = cast.client_for(cast.cu).post(reverse("teams:wish_record", args=[cast.person.pk]),
                                              {"stated_by": "no-such-choice", "text": text})
    assert response.status_code == 200
    html = response.content.decode()
    assert text in html and "<details open>" in html


def test_the_loser_of_a_race_to_form_a_team_gets_a_message_not_an_error_page(cast, monkeypatch):
    from oppfolging.assessments.models import Decision

    Decision.objects.create(person=cast.person, outcome="team", reason="x", decided_by=cast.cu)
    real_create = Team.objects.create

    # (Here the other insert shares the request's transaction and is rolled back with it; in real
    # life it is the other user's committed row.)
    def the_other_click_lands_first(**fields):
        real_create(person=fields["person"], created_by=cast.colleague)
        return real_create(**fields)

    monkeypatch.setattr(Team.objects, "create", the_other_click_lands_first)
    response = cast.client_for(cast.cu).post(reverse("teams:team_create", args=[cast.person.pk]), follow=True)
    assert response.status_code == 200
    assert "Teamet ble opprettet av noen andre akkurat nå" in response.content.decode()


def test_the_loser_of_a_race_to_create_the_plan_gets_a_message_not_an_error_page(cast, team, monkeypatch):
    real_save = IndividualPlan.save
    raced = []

    # The other click's plan is saved just before ours (here in the same transaction, rolled back
    # with it; in real life the other user's committed row).
    def the_other_click_lands_first(self, *args, **kwargs):
        if self.pk is None and not raced:
            raced.append(True)
            real_save(IndividualPlan(person=self.person, team=self.team, created_by=cast.colleague))
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(IndividualPlan, "save", the_other_click_lands_first)
    response = cast.client_for(cast.cu).post(reverse("teams:plan_create", args=[cast.person.pk]), follow=True)
    assert response.status_code == 200 and raced
    assert "Planen ble opprettet av noen andre akkurat nå" in response.content.decode()


def test_a_double_click_records_one_consent(cast, team):
    from oppfolging.teams.models import Consent as ConsentModel

    before = ConsentModel.objects.count()
    data = {"scope": "next_of_kin", "related_person": cast.next_of_kin.pk, "given_by": "person",
            "method": "verbal", "note": "", "submission_token": "0b7e9a1c-51c4-4a8e-bb61-2f0e3b1d2c44"}
    client = cast.client_for(cast.cu)
    assert client.post(reverse("teams:consent_add", args=[cast.person.pk]), data).status_code == 302
    second = client.post(reverse("teams:consent_add", args=[cast.person.pk]), data, follow=True)
    assert "Samtykket var allerede registrert." in second.content.decode()
    assert ConsentModel.objects.count() == before + 1


def test_the_overview_shows_a_page_at_a_time_and_keeps_the_filters(cast, team, monkeypatch):
    """A large municipality follows up thousands: the overview never lists them all at once."""
    from oppfolging.teams import views

    second = make_person(cast.municipality, given="Astrid", family="Aasen", birth=dt.date(1961, 3, 3),
                         individual=321)
    Team.objects.create(person=second, created_by=cast.cu)
    monkeypatch.setattr(views, "OVERVIEW_PAGE_SIZE", 1)
    client = cast.client_for(cast.cu)
    first_page = client.get(reverse("teams:overview"), {"status": "team"}).content.decode()
    assert "Astrid Aasen" in first_page and "Petra Person" not in first_page
    assert "2 personer" in first_page and "status=team&amp;side=2" in first_page
    second_page = client.get(reverse("teams:overview"), {"status": "team", "side": 2}).content.decode()
    assert "Petra Person" in second_page and "Astrid Aasen" not in second_page


def test_a_stale_save_of_the_handover_note_is_refused_and_the_typed_note_kept(cast, team):
    """#13.6: the outgoing coordinator and the unit write the note at once; the later save is refused."""
    from django.utils import timezone

    RoleAssignment.objects.create(user=cast.colleague, role="coordinator", municipality=cast.municipality)
    now = timezone.now()
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.colleague, appointed_by=cast.cu,
                                         started_at=now - dt.timedelta(days=60), ended_at=now + dt.timedelta(days=14))
    new = CoordinatorAssignment.objects.create(team=team, coordinator=cast.cu, appointed_by=cast.cu,
                                               started_at=now - dt.timedelta(hours=1))
    url = reverse("teams:handover_note", args=[cast.person.pk, new.pk])
    outgoing, unit = cast.client_for(cast.colleague), cast.client_for(cast.cu)
    for client in (outgoing, unit):
        assert f'name="version" value="{new.version}"' in client.get(url).content.decode()
    assert unit.post(url, {"note": "Petra vil ha møter hjemme.", "version": new.version}).status_code == 302
    response = outgoing.post(url, {"note": "Datteren er viktigste kontakt.", "version": new.version})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Noen andre har lagret en endring mens du skrev" in html
    assert "Petra vil ha møter hjemme." in html and "Datteren er viktigste kontakt." in html
    new.refresh_from_db()
    assert new.handover_note == "Petra vil ha møter hjemme." and new.handover_note_by == cast.cu


def test_a_stale_change_of_a_coordinators_pool_entry_is_refused_and_the_typed_values_kept(cast):
    """#13.6: two at the unit change one coordinator's caseload ceiling at once; the later save is refused."""
    from ..conftest import make_user

    other = make_user("ke2", "Kåre", "Enhet")
    RoleAssignment.objects.create(user=other, role="coordinating_unit", municipality=cast.municipality)
    profile = CoordinatorProfile.objects.create(user=cast.colleague, municipality=cast.municipality, max_caseload=8)
    url = reverse("teams:pool")
    first, second = cast.client_for(cast.cu), cast.client_for(other)
    for client in (first, second):
        html = client.get(url, {"endre": cast.colleague.pk}).content.decode()
        assert f'name="version" value="{profile.version}"' in html and 'name="max_caseload" value="8"' in html
    data = {"add_to_pool": "1", "user": cast.colleague.pk, "is_active": "on", "version": profile.version}
    assert first.post(url, {**data, "max_caseload": 5}).status_code == 302
    response = second.post(url, {**data, "max_caseload": 12})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Noen andre har lagret en endring mens du skrev" in html
    assert "<td>5</td>" in html and 'name="max_caseload" value="12"' in html
    profile.refresh_from_db()
    assert profile.max_caseload == 5
    # "Add" of someone already in the pool (a form opened before they were added) is refused too.
    response = second.post(url, {**data, "version": 0, "max_caseload": 3})
    assert response.status_code == 409
    profile.refresh_from_db()
    assert profile.max_caseload == 5
    assert CoordinatorProfile.objects.filter(user=cast.colleague).count() == 1


def _form_token(html: str, action: str = "") -> str:
    import re

    if action:
        html = html[html.index(f'action="{action}"'):]
    return re.search(r'name="submission_token" value="([0-9a-f-]{36})"', html).group(1)


def test_a_double_click_records_a_wish_a_member_and_a_training_once(cast, team):
    """#13.4: the wish, membership and training forms carry the one-time token; a repeat shows the record."""
    client = cast.client_for(cast.cu)
    team_page = reverse("teams:person_team", args=[cast.person.pk])
    wish_url = reverse("teams:wish_record", args=[cast.person.pk])
    wish = {"stated_by": "person", "wished_user": "", "wished_service": "", "text": "Kim, som kjenner meg",
            "submission_token": _form_token(client.get(team_page).content.decode(), wish_url)}
    assert client.post(wish_url, wish).status_code == 302
    repeat = client.post(wish_url, wish, follow=True)
    assert "Dette var allerede lagret." in repeat.content.decode() and "Kim, som kjenner meg" in repeat.content.decode()
    assert CoordinatorWish.objects.filter(text="Kim, som kjenner meg").count() == 1

    Consent.objects.create(person=cast.person, scope="next_of_kin", related_person=cast.next_of_kin,
                           given_by="person", method="verbal")
    url = reverse("teams:membership_add", args=[cast.person.pk])
    member = {"kind": "next_of_kin", "related_person": cast.next_of_kin.pk, "role_in_team": "Sønn",
              "joined_on": "2026-01-01", "submission_token": _form_token(client.get(url).content.decode())}
    assert client.post(url, member).status_code == 302
    repeat = client.post(url, member, follow=True)
    assert "Dette var allerede lagret." in repeat.content.decode() and "Sønn" in repeat.content.decode()
    assert TeamMembership.objects.filter(related_person=cast.next_of_kin).count() == 1

    CoordinatorProfile.objects.create(user=cast.colleague, municipality=cast.municipality)
    pool = reverse("teams:pool")
    html = client.get(pool).content.decode()
    training = {"add_training": "1", "user": cast.colleague.pk, "course": "Koordinatoropplæring",
                "completed_on": "2026-03-01", "provider": "", "hours": "",
                "submission_token": _form_token(html[html.index("add-training"):])}
    assert client.post(pool, training).status_code == 302
    repeat = client.post(pool, training, follow=True)
    assert "Dette var allerede lagret." in repeat.content.decode()
    assert cast.colleague.trainings.filter(course="Koordinatoropplæring").count() == 1


def test_a_double_click_appoints_the_coordinator_once(cast, team):
    """#13.4: the appointment carries a one-time token; a repeat shows the team, not an error."""
    import re

    CoordinatorProfile.objects.create(user=cast.colleague, municipality=cast.municipality)
    client = cast.client_for(cast.cu)
    url = reverse("teams:coordinator_appoint", args=[cast.person.pk])
    token = re.search(r'name="submission_token" value="([0-9a-f-]{36})"', client.get(url).content.decode()).group(1)
    form = {"coordinator": cast.colleague.pk, "submission_token": token}
    assert client.post(url, form).status_code == 302
    repeat = client.post(url, form, follow=True)
    html = repeat.content.decode()
    assert "Dette var allerede lagret." in html and "Dette er allerede teamets koordinator." not in html
    assert CoordinatorAssignment.objects.filter(team=team).count() == 1
