from django.urls import reverse

from oppfolging.audit.models import AuditEvent
from oppfolging.teams.models import Consent

PAGES = ["plan", "team", "meetings", "matters", "psfs", "wish", "consent", "services", "access_log", "messages"]


def test_it_shows_the_person_their_own_plan(cast, portal):
    client = cast.client_for(portal.person_user)
    response = client.get(reverse("portal:home"))
    assert response["Location"] == reverse("portal:plan", args=[cast.person.pk])
    html = client.get(response["Location"]).content.decode()
    assert "Planen min" in html and "Gå tur med hunden" in html and "Dette er din egen plan." in html


def test_it_sends_a_person_from_the_start_page_to_their_plan(cast, portal):
    response = cast.client_for(portal.person_user).get(reverse("home:start"))
    assert response["Location"] == reverse("portal:home")


def test_it_shows_a_consenting_next_of_kin_the_plan_and_says_why(cast, portal):
    html = cast.client_for(portal.kin_user).get(reverse("portal:plan", args=[cast.person.pk])).content.decode()
    assert "Gå tur med hunden" in html
    assert "Du ser planen fordi Petra har samtykket til at du deltar." in html
    event = AuditEvent.objects.filter(actor=portal.kin_user, person=cast.person).first()
    assert event.actor_role == "next_of_kin"


def test_it_gives_a_next_of_kin_without_consent_nothing(cast, portal):
    client = cast.client_for(portal.other_kin_user)
    for page in PAGES:
        assert client.get(reverse(f"portal:{page}", args=[cast.person.pk])).status_code == 404, page
    assert "Gå tur med hunden" not in client.get(reverse("portal:home")).content.decode()


def test_it_stops_a_next_of_kin_at_once_when_consent_is_withdrawn(cast, portal):
    client = cast.client_for(portal.kin_user)
    assert client.get(reverse("portal:plan", args=[cast.person.pk])).status_code == 200
    cast.client_for(portal.person_user).post(
        reverse("portal:consent_withdraw", args=[cast.person.pk, portal.kin_consent.pk]))
    portal.kin_consent.refresh_from_db()
    assert portal.kin_consent.withdrawn_at is not None
    assert client.get(reverse("portal:plan", args=[cast.person.pk])).status_code == 404
    assert AuditEvent.objects.filter(resource="consent", action="update", actor=portal.person_user).exists()


def test_it_lets_a_parent_of_a_child_see_the_plan(cast, portal):
    import datetime as dt

    cast.person.birth_date = dt.date.today() - dt.timedelta(days=365 * 10)
    cast.person.save()
    portal.other_kin.has_parental_responsibility = True
    portal.other_kin.relationship = "parent"
    portal.other_kin.save()
    html = cast.client_for(portal.other_kin_user).get(reverse("portal:plan", args=[cast.person.pk])).content.decode()
    assert "foreldreansvar" in html


def test_it_does_not_let_a_person_reach_another_persons_plan_by_changing_the_id(cast, portal):
    client = cast.client_for(portal.person_user)
    for page in PAGES:
        assert client.get(reverse(f"portal:{page}", args=[cast.other_person.pk])).status_code == 404, page


def test_it_keeps_staff_without_a_portal_grant_out(cast, portal):
    assert cast.client_for(cast.stranger).get(reverse("portal:plan", args=[cast.person.pk])).status_code == 404


def test_it_lets_only_the_person_or_a_guardian_change_consent(cast, portal):
    url = reverse("portal:consent_withdraw", args=[cast.person.pk, portal.kin_consent.pk])
    assert cast.client_for(portal.kin_user).post(url).status_code == 403
    assert Consent.objects.get(pk=portal.kin_consent.pk).withdrawn_at is None


def test_a_request_refused_further_on_is_no_read_and_a_page_is_one(cast, portal):
    """«Min plan» logs its read once the page is answered, as staff pages do (docs/access.md)."""
    from oppfolging.teams.models import Consent as ConsentModel

    client = cast.client_for(portal.person_user)
    reads = AuditEvent.objects.filter(actor=portal.person_user, person=cast.person, action="read")
    before = reads.count()
    # Another person's consent, under the person's own id: the person is found, the consent is not.
    foreign = ConsentModel.objects.create(person=cast.other_person, scope="team_and_plan", given_by="person",
                                          method="paper")
    url = reverse("portal:consent_withdraw", args=[cast.person.pk, foreign.pk])
    assert client.get(url).status_code == 404
    assert reads.count() == before
    assert client.get(reverse("portal:consent", args=[cast.person.pk])).status_code == 200
    assert reads.count() == before + 1
