"""Meeting times people type: end before start, summer-time gaps and repeats, mistyped years (#13)."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from oppfolging.meetings.models import Meeting


def _post(cast, team, **fields):
    data = {"day": (timezone.localdate() + dt.timedelta(days=3)).isoformat(), "start": "10:00", "end": "11:00",
            "location": "Helsehuset", "video_link": ""}
    data.update(fields)
    return cast.client_for(cast.cu).post(reverse("meetings:schedule", args=[cast.person.pk]), data)


def test_it_refuses_an_end_before_the_start_on_the_end_field_and_keeps_the_input(cast, team):
    response = _post(cast, team, start="14:00", end="13:00", location="Hjemme hos familien")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Møtet må slutte etter at det begynner." in html
    assert 'value="Hjemme hos familien"' in html
    assert not Meeting.objects.exists()


def test_it_refuses_a_mistyped_year_instead_of_storing_it(cast, team):
    for day in ("0001-01-01", "9999-12-31"):
        response = _post(cast, team, day=day)
        assert response.status_code == 200 and "Datoen må være mellom" in response.content.decode()
    assert not Meeting.objects.exists()


def test_it_refuses_a_time_that_does_not_exist_at_the_change_to_summer_time(cast, team):
    with time_machine.travel(dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC)):
        response = _post(cast, team, day="2027-03-28", start="02:30", end="03:30")
    html = response.content.decode()
    assert "finnes ikke denne dagen" in html and 'value="02:30"' in html
    assert not Meeting.objects.exists()


def test_it_refuses_a_time_that_happens_twice_at_the_change_to_winter_time(cast, team):
    with time_machine.travel(dt.datetime(2027, 10, 1, 9, tzinfo=dt.UTC)):
        response = _post(cast, team, day="2027-10-31", start="02:30", end="04:00")
    assert "finnes to ganger denne dagen" in response.content.decode()
    assert not Meeting.objects.exists()


def test_it_refuses_a_meeting_in_the_past_but_records_one_that_was_held(cast, team):
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = _post(cast, team, day=yesterday)
    assert "kan ikke planlegges bakover i tid" in response.content.decode()
    response = cast.client_for(cast.cu).post(reverse("meetings:record_held", args=[cast.person.pk]), {
        "day": yesterday, "start": "10:00", "end": "11:00", "location": "Helsehuset", "video_link": ""})
    meeting = Meeting.objects.get()
    assert meeting.status == "held" and meeting.agenda_sent_at is None
    assert response["Location"] == reverse("meetings:detail", args=[cast.person.pk, meeting.pk])
