import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from oppfolging.access import policy
from oppfolging.teams.models import Consent, TeamMembership


def grant(cast):
    cast.colleague._role_assignments_cache = None
    return policy.person_grant(user=cast.colleague, person=cast.person)


def test_it_lets_a_member_see_the_person_read_only(cast, team):
    g = grant(cast)
    assert g.basis == policy.Basis.TEAM_MEMBER and not g.can_write
    assert g.unit == "Hjemmesykepleien"
    client = cast.client_for(cast.colleague)
    assert client.get(reverse("people:detail", args=[cast.person.pk])).status_code == 200
    assert client.get(reverse("teams:person_team", args=[cast.person.pk])).status_code == 200
    assert client.post(reverse("teams:consent_add", args=[cast.person.pk])).status_code == 403


def test_it_gives_access_from_the_day_a_member_joins_until_the_day_they_leave(cast, team):
    today = timezone.localdate()
    membership = TeamMembership.objects.get(user=cast.colleague)
    membership.joined_on = today + dt.timedelta(days=3)
    membership.left_on = today + dt.timedelta(days=10)
    membership.save()
    assert grant(cast) is None
    with time_machine.travel(today + dt.timedelta(days=3)):
        assert grant(cast) is not None
    with time_machine.travel(today + dt.timedelta(days=9)):
        assert grant(cast) is not None
    with time_machine.travel(today + dt.timedelta(days=10)):
        assert grant(cast) is None


def test_it_stops_access_when_the_member_leaves(cast, team):
    membership = TeamMembership.objects.get(user=cast.colleague)
    response = cast.client_for(cast.cu).post(
        reverse("teams:membership_end", args=[cast.person.pk, membership.pk]),
        {"left_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    assert grant(cast) is None
    assert cast.client_for(cast.colleague).get(reverse("people:detail", args=[cast.person.pk])).status_code == 404


def test_it_removes_access_when_the_sharing_consent_for_the_service_is_withdrawn(cast, team):
    share = Consent.objects.get(scope="share_with_service")
    client = cast.client_for(cast.cu)
    page = client.get(reverse("teams:consent_withdraw", args=[cast.person.pk, share.pk])).content.decode()
    assert "Kim Kollega (Hjemmesykepleien) mister tilgang." in page
    client.post(reverse("teams:consent_withdraw", args=[cast.person.pk, share.pk]), {"note": "Ønsker ikke"})
    share.refresh_from_db()
    assert share.withdrawn_at is not None
    assert grant(cast) is None


def test_it_removes_all_member_access_when_the_team_consent_is_withdrawn(cast, team):
    Consent.objects.filter(scope="team_and_plan").update(withdrawn_at=timezone.now())
    assert grant(cast) is None
    # Those with their own basis keep it.
    assert policy.person_grant(user=cast.gp, person=cast.person) is not None


def test_it_gives_no_access_to_a_member_of_a_service_outside_the_consent(cast, team):
    from oppfolging.catalogue.models import Service

    nav = Service.objects.create(municipality=cast.municipality, name="NAV Testvik", sector="nav",
                                 description="NAV", how_to_get="Ring")
    TeamMembership.objects.filter(user=cast.colleague).update(service=nav)
    assert grant(cast) is None


def test_it_ignores_consent_that_has_expired(cast, team):
    Consent.objects.filter(scope="share_with_service").update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    assert grant(cast) is None


def test_it_says_from_which_day_the_member_is_out_in_words_not_an_iso_date(cast, team):
    membership = TeamMembership.objects.get(user=cast.colleague)
    left_on = timezone.localdate() + dt.timedelta(days=7)
    response = cast.client_for(cast.cu).post(
        reverse("teams:membership_end", args=[cast.person.pk, membership.pk]), {"left_on": left_on.isoformat()},
        follow=True)
    html = response.content.decode()
    months = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
              "november", "desember"]
    words = f"{left_on.day}. {months[left_on.month - 1]} {left_on.year}"
    assert f"Kim Kollega er ikke lenger med i teamet fra {words}." in html
    assert left_on.isoformat() not in html
