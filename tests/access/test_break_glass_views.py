from django.urls import reverse

from oppfolging.access.models import BreakGlassAccess
from oppfolging.audit.models import AuditEvent

REASON = "Legevakten ringte om akutt forverring, trenger pårørendes telefon."


def test_it_opens_emergency_access_with_a_reason_and_flags_it(cast):
    client = cast.client_for(cast.colleague)
    response = client.post(reverse("access:break_glass"), {
        "identity_number": cast.person.identity_number, "reason": REASON, "confirm": "on"})
    assert response["Location"] == reverse("people:detail", args=[cast.person.pk])
    access = BreakGlassAccess.objects.get()
    assert access.user == cast.colleague and access.reason == REASON and access.is_active
    page = client.get(response["Location"]).content.decode()
    assert "Nødtilgang" in page and "Petra Person" in page
    read = AuditEvent.objects.filter(person=cast.person, action="read").get()
    assert read.break_glass and read.purpose == REASON
    assert AuditEvent.objects.filter(action="break_glass", break_glass=True).count() == 1
    # The coordinating unit sees it on the start page and the review list.
    start = cast.client_for(cast.cu).get(reverse("home:start")).content.decode()
    assert REASON in start


def test_it_needs_a_reason_and_a_confirmation(cast):
    response = cast.client_for(cast.colleague).post(reverse("access:break_glass"), {
        "identity_number": cast.person.identity_number, "reason": "kort"})
    assert response.status_code == 200
    assert not BreakGlassAccess.objects.exists()


def test_it_finds_nobody_in_another_municipality(cast):
    response = cast.client_for(cast.stranger).post(reverse("access:break_glass"), {
        "identity_number": cast.person.identity_number, "reason": REASON, "confirm": "on"})
    assert "Fant ingen person" in response.content.decode()
    assert not BreakGlassAccess.objects.exists()


def test_it_is_not_for_leaders(cast):
    assert cast.client_for(cast.leader).get(reverse("access:break_glass")).status_code == 403


def test_it_lets_the_coordinating_unit_review(cast):
    access = BreakGlassAccess.objects.create(
        user=cast.colleague, person=cast.person, reason=REASON, expires_at="2100-01-01T00:00Z")
    client = cast.client_for(cast.cu)
    assert REASON in client.get(reverse("access:break_glass_review")).content.decode()
    url = reverse("access:break_glass_mark_reviewed", args=[access.pk])
    assert client.post(url, {"note": "Begrunnet."}).status_code == 302
    access.refresh_from_db()
    assert access.reviewed_by == cast.cu and access.review_note == "Begrunnet."


def test_a_second_review_from_a_stale_page_leaves_the_first_and_tells_who_made_it(cast):
    """#13: two members of the unit review the same access; the later one never overwrites the first."""
    from oppfolging.accounts.models import RoleAssignment

    from ..conftest import make_user

    other = make_user("ku2", "Kåre", "Koordinerende")
    RoleAssignment.objects.create(user=other, municipality=cast.municipality, role="coordinating_unit")
    access = BreakGlassAccess.objects.create(
        user=cast.colleague, person=cast.person, reason=REASON, expires_at="2100-01-01T00:00Z")
    url = reverse("access:break_glass_mark_reviewed", args=[access.pk])
    assert cast.client_for(cast.cu).post(url, {"note": "Begrunnet."}).status_code == 302
    late = cast.client_for(other).post(url, {"note": "Sjekket med legevakten."}, follow=True)
    html = late.content.decode()
    assert "Nødtilgangen ble gjennomgått av Kari Koordinerende før deg" in html
    assert "Merknaden du skrev, er ikke lagret: «Sjekket med legevakten.»" in html
    access.refresh_from_db()
    assert (access.reviewed_by, access.review_note) == (cast.cu, "Begrunnet.")
    assert AuditEvent.objects.filter(resource="break_glass", action="update").count() == 1


def test_it_hides_the_review_from_others(cast):
    access = BreakGlassAccess.objects.create(
        user=cast.colleague, person=cast.person, reason=REASON, expires_at="2100-01-01T00:00Z")
    url = reverse("access:break_glass_mark_reviewed", args=[access.pk])
    assert cast.client_for(cast.gp).get(reverse("access:break_glass_review")).status_code == 403
    assert cast.client_for(cast.gp).post(url).status_code == 403
    assert cast.client_for(cast.stranger).post(url).status_code == 404


def test_a_double_click_opens_emergency_access_once(cast):
    """#13.4: the form carries a one-time token; one access to review, and the person's page is shown."""
    import re

    client = cast.client_for(cast.colleague)
    url = reverse("access:break_glass")
    token = re.search(r'name="submission_token" value="([0-9a-f-]{36})"', client.get(url).content.decode()).group(1)
    data = {"identity_number": cast.person.identity_number, "reason": REASON, "confirm": "on", "submission_token": token}
    assert client.post(url, data).status_code == 302
    repeat = client.post(url, data, follow=True)
    assert "Dette var allerede lagret." in repeat.content.decode() and "Petra Person" in repeat.content.decode()
    assert BreakGlassAccess.objects.filter(person=cast.person).count() == 1
    assert AuditEvent.objects.filter(action="break_glass").count() == 1
