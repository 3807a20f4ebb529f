"""«Min plan» speaks to the one who reads it (#14): proxy scores, texts, who has seen the plan."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import formats, timezone

from oppfolging.access import policy
from oppfolging.assessments.models import Assessment, PsfsActivity
from oppfolging.audit.models import AuditEvent
from oppfolging.audit.services import audit_record
from oppfolging.indicators.periods import Period
from oppfolging.indicators.selectors import compute_psfs_change
from oppfolging.portal import services
from oppfolging.portal.models import PsfsSelfScore


def test_a_next_of_kin_never_scores_as_if_they_were_the_person(cast, portal):
    client = cast.client_for(portal.kin_user)
    html = client.get(reverse("portal:psfs", args=[cast.person.pk])).content.decode()
    assert "Bare Petra selv skårer aktivitetene sine" in html
    assert 'name="a0"' not in html
    assert client.post(reverse("portal:psfs", args=[cast.person.pk]), {"a0": "6"}).status_code == 403
    grant = policy.portal_grant(user=portal.kin_user, person_id=cast.person.pk)
    with pytest.raises(PermissionDenied):
        services.psfs_self_score(grant=grant, scores={"Gå tur": 6})
    assert not PsfsSelfScore.objects.exists()
    plan = client.get(reverse("portal:plan", args=[cast.person.pk])).content.decode()
    assert "Gi skår på aktivitetene mine" not in plan


def test_a_next_of_kin_at_the_persons_explicit_wish_scores_labelled_and_apart(cast, portal):
    portal.kin.scores_for_person = True
    portal.kin.save()
    client = cast.client_for(portal.kin_user)
    html = client.get(reverse("portal:psfs", args=[cast.person.pk])).content.decode()
    assert "Du skårer på vegne av Petra" in html
    assert client.post(reverse("portal:psfs", args=[cast.person.pk]), {"a0": "6"}).status_code == 302
    score = PsfsSelfScore.objects.get()
    assert score.scored_by_kind == "next_of_kin_by_wish"
    staff = cast.client_for(cast.cu).get(reverse("plans:detail", args=[cast.person.pk])).content.decode()
    own, _sep, proxy = staff.partition("Skårer satt av andre på vegne av personen")
    assert "Gå tur – 6" not in own.split("Personens egne skårer")[-1]
    assert "Gå tur – 6 (Pårørende på vegne av personen, etter personens ønske)" in proxy


def test_proxy_scored_assessments_stay_out_of_the_psfs_figures(cast):
    def scored(days_ago, score, by):
        a = Assessment.objects.create(person=cast.person, created_by=cast.cu, status="completed",
                                      completed_at=timezone.now() - dt.timedelta(days=days_ago), psfs_scored_by=by)
        PsfsActivity.objects.create(assessment=a, position=1, activity="Gå tur", score=score)
        return a

    scored(60, 2, "person")
    scored(10, 9, "guardian")
    period = Period(kind="month", start=timezone.localdate() - dt.timedelta(days=30), end=timezone.localdate() + dt.timedelta(days=1))
    assert compute_psfs_change(cast.municipality, [period])[0].denominator == 0
    scored(5, 6, "person")
    figure = compute_psfs_change(cast.municipality, [period])[0]
    assert figure.denominator == 1 and figure.value == 4
    page = cast.client_for(cast.cu).get(reverse("assessments:person_assessments", args=[cast.person.pk])).content.decode()
    assert "Verge på vegne av personen" in page
    assert "sammenlignes ikke med personens egne" in page


def test_texts_speak_to_the_reader(cast, portal):
    kin = cast.client_for(portal.kin_user)
    team = kin.get(reverse("portal:team", args=[cast.person.pk])).content.decode()
    assert "Petras koordinator" in team and "Din koordinator" not in team
    plan = kin.get(reverse("portal:plan", args=[cast.person.pk])).content.decode()
    assert "Petras koordinator er" in plan and "Hva er viktig for Petra" in plan
    consent = kin.get(reverse("portal:consent", args=[cast.person.pk])).content.decode()
    assert "Du bestemmer" not in consent and "opplysningene dine" not in consent
    assert "Petra bestemmer selv hvem som får se opplysningene" in consent
    own = cast.client_for(portal.person_user)
    assert "Din koordinator" in own.get(reverse("portal:team", args=[cast.person.pk])).content.decode()
    assert "Du bestemmer hvem som får se opplysningene dine" in own.get(
        reverse("portal:consent", args=[cast.person.pk])).content.decode()


def test_who_has_seen_my_plan_in_plain_words_grouped_by_day_repeats_in_one_line(cast, portal):
    for _ in range(3):
        audit_record(actor=cast.colleague, action="read", resource="individual_plan", person=cast.person,
                     role="team_member", unit="Hjemmesykepleien", purpose="deltaker i teamet")
    audit_record(actor=cast.colleague, action="read", resource="meetings", person=cast.person,
                 role="team_member", unit="Hjemmesykepleien", purpose="deltaker i teamet")
    html = cast.client_for(portal.person_user).get(reverse("portal:access_log", args=[cast.person.pk])).content.decode()
    assert "Hvem har sett planen min" in html
    assert html.count("så på planen") == 1 and "3 ganger" in html
    assert "Kim Kollega</strong> (Teamdeltaker, Hjemmesykepleien)" in html
    assert "så på møtene" in html
    assert AuditEvent.objects.filter(resource="individual_plan", actor=cast.colleague).count() == 3
    for code in ("individual_plan", "team_member"):
        assert code not in html


def test_who_has_seen_is_paged_with_a_link_to_older_entries(cast, portal, monkeypatch):
    import datetime as dt
    import html as html_module
    import re

    import time_machine
    from django.utils import timezone

    from oppfolging.portal import selectors

    monkeypatch.setattr(selectors.who_has_seen, "__kwdefaults__", {"after": "", "size": 2})
    start = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
    for n, resource in enumerate(["meetings", "message", "individual_plan"]):
        with time_machine.travel(start + dt.timedelta(days=n), tick=False):
            audit_record(actor=cast.colleague, action="read", resource=resource, person=cast.person,
                         role="team_member", unit="Hjemmesykepleien", purpose="deltaker i teamet")
    client = cast.client_for(portal.person_user)
    url = reverse("portal:access_log", args=[cast.person.pk])
    first = client.get(url).content.decode()
    assert "så på planen" in first and "så på meldingene" in first and "så på møtene" not in first
    link = html_module.unescape(re.search(r'<a href="([^"]*)">Vis eldre</a>', first).group(1))
    older = client.get(url + link).content.decode()
    assert "så på møtene" in older and "så på planen" not in older and "Vis eldre" not in older


def test_the_person_and_next_of_kin_read_of_a_coming_coordinator_in_their_own_words(cast, portal):
    from oppfolging.teams.models import CoordinatorProfile
    from oppfolging.teams.services import coordinator_appoint

    for user in (cast.cu, cast.colleague):
        CoordinatorProfile.objects.create(user=user, municipality=cast.municipality)
    starts_on = timezone.localdate() + dt.timedelta(days=7)
    assignment = coordinator_appoint(grant=policy.person_grant(user=cast.cu, person=cast.person), team=portal.team,
                                     coordinator=cast.colleague, starts_on=starts_on)
    when = formats.date_format(starts_on, "j. F Y")
    own = cast.client_for(portal.person_user).get(reverse("portal:plan", args=[cast.person.pk])).content.decode()
    assert (f"Du får ny koordinator fra {when}: <strong>Kim Kollega</strong>. "
            "Til da er Kari Koordinerende koordinatoren din.") in own
    kin = cast.client_for(portal.kin_user).get(reverse("portal:team", args=[cast.person.pk])).content.decode()
    assert (f"Petra får ny koordinator fra {when}: <strong>Kim Kollega</strong>. "
            "Til da er Kari Koordinerende Petras koordinator.") in kin
    assert "Du får ny koordinator" not in kin
    with time_machine.travel(assignment.started_at + dt.timedelta(days=1)):
        own = cast.client_for(portal.person_user).get(reverse("portal:team", args=[cast.person.pk])).content.decode()
        assert (f"Du har fått ny koordinator fra {when}: <strong>Kim Kollega</strong>. "
                "Kari Koordinerende er med en stund til, så de kan overlappe.") in own
    with time_machine.travel(assignment.started_at + dt.timedelta(days=settings.HANDOVER_OVERLAP_DAYS + 1)):
        own = cast.client_for(portal.person_user).get(reverse("portal:plan", args=[cast.person.pk])).content.decode()
        assert "ny koordinator" not in own and "Din koordinator er <strong>Kim Kollega</strong>." in own
