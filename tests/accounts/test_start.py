import datetime as dt

from django.urls import reverse

from oppfolging.audit.models import AuditEvent
from oppfolging.home.selectors import referral_summary
from oppfolging.referrals.models import Referral


def start(cast, user):
    response = cast.client_for(user).get(reverse("home:start"))
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_the_coordinating_unit_its_register_and_reviews(cast):
    html = start(cast, cast.cu)
    assert "Koordinerende enhet" in html
    assert "1 person i personregisteret." in html
    assert "Petra Person" in html
    assert "Ingen nødtilganger venter på gjennomgang." in html
    assert AuditEvent.objects.filter(actor=cast.cu, action="list", resource="start_page").count() == 1


def test_it_counts_the_units_open_overdue_and_unassigned_reports_in_one_read(cast, django_assert_num_queries):
    def report(**fields):
        data = dict(
            municipality=cast.municipality, subject_given_name="Petra", subject_family_name="Person",
            source="school", channel="public_form", reporter_name="Lærer Lund",
            reporter_email="lund@example.invalid", observations="Mye fravær.", consent="given",
            deadline=dt.date(2030, 1, 1), receipt_code=f"K{Referral.objects.count():07d}",
        )
        return Referral.objects.create(**{**data, **fields})

    report()  # open, not overdue, unassigned
    report(assigned_to=cast.cu)  # open, assigned
    report(deadline=dt.date(2020, 1, 1), assigned_to=cast.cu)  # open, overdue
    report(deadline=dt.date(2020, 1, 1))  # open, overdue, unassigned
    report(status="declined", deadline=dt.date(2020, 1, 1))  # not open: counted nowhere
    report(municipality=cast.other_municipality)  # another municipality's

    with django_assert_num_queries(4):  # the figures, the urgent and the rest, the teams without coordinator
        summary = referral_summary(cast.municipality)
    assert (summary["open"], summary["overdue"], summary["unassigned"]) == (4, 2, 2)
    assert "4 åpne, 2 forfalt, 2 uten saksbehandler." in start(cast, cast.cu)


def test_it_shows_the_gp_their_patients(cast):
    html = start(cast, cast.gp)
    assert "Dine listepasienter som kommunen følger opp" in html
    assert "Petra Person" in html


def test_it_shows_a_team_member_whom_they_follow_up(cast):
    html = start(cast, cast.colleague)
    assert "Personer du følger opp" in html
    assert "Du følger ikke opp noen personer nå" in html
    assert "Petra Person" not in html


def test_it_shows_the_leader_aggregates_and_no_person(cast):
    html = start(cast, cast.leader)
    assert "Kommunen i tall" in html
    assert "Personer etter aldersgruppe" in html
    assert "Petra Person" not in html
    assert cast.person.identity_number not in html


def test_it_shows_the_administrator_staff_and_roles(cast):
    html = start(cast, cast.admin)
    assert "Ansatte og roller" in html and "Koordinerende enhet: 1" in html


def test_it_shows_the_evaluator_municipalities_with_small_counts_hidden(cast):
    html = start(cast, cast.evaluator)
    assert "Kommunene side om side" in html
    assert "Testvik kommune" in html and "Andreby kommune" in html
    assert "&lt;5" in html
    assert "Petra Person" not in html


def test_it_switches_municipality_only_to_ones_the_user_works_in(cast):
    from oppfolging.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=cast.cu, municipality=cast.other_municipality, role="leader")
    client = cast.client_for(cast.cu)
    client.post(reverse("accounts:switch_municipality"), {"municipality": cast.other_municipality.pk})
    html = client.get(reverse("home:start")).content.decode()
    assert "Andreby kommune" in html and "Kommunen i tall" in html
    client.post(reverse("accounts:switch_municipality"), {"municipality": 999})
    assert client.session["municipality_id"] == cast.other_municipality.pk
