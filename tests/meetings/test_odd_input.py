"""Odd input outside forms never gives a 500 (#13.10): NUL characters in a URL, «²» where a number goes.

PostgreSQL refuses a NUL (``%00``) in any text value, so these matter most there; CI runs them on
both databases.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from oppfolging.audit.models import parse_cursor
from oppfolging.meetings import services as meeting_services
from oppfolging.meetings.models import MeetingDecision
from oppfolging.outcomes.formats.csvfile import parse_count
from oppfolging.outcomes.services import _line_order

from .conftest import grant_for

pytestmark = pytest.mark.django_db


def test_a_nul_in_the_public_forms_address_is_a_plain_404(cast, client):
    client.raise_request_exception = False
    for path in ("/meld-behov/%00/", "/meld-behov/kvittering/%00/", f"/meld-behov/{cast.municipality.number}%00/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Siden finnes ikke" in response.content.decode(), path


def test_a_nul_in_the_staff_searches_and_the_audit_cursor_is_dropped(cast):
    client = cast.client_for(cast.cu)
    client.raise_request_exception = False
    for url in (reverse("people:list") + "?q=%00", reverse("referrals:create") + "?person_q=Ola%00&person=%00",
                reverse("audit:search") + "?eldre=%00"):
        assert client.get(url).status_code < 500, url


def test_a_nul_in_a_withdrawal_reason_is_not_stored(cast, meeting):
    grant = grant_for(cast.cu, cast.person)
    decision = meeting_services.decision_add(grant=grant, meeting=meeting, text="Søke BPA")
    meeting_services.decision_withdraw(grant=grant, decision=decision, reason="Feil\x00 møte")
    assert MeetingDecision.objects.get(pk=decision.pk).withdrawal_reason == "Feil møte"


@pytest.mark.parametrize("value", ["²", "9" * 5000, "%00"])
def test_a_psfs_activity_that_is_no_number_is_ignored(cast, plan, value):
    client = cast.client_for(cast.cu)
    client.raise_request_exception = False
    response = client.get(reverse("plans:goal_add", args=[cast.person.pk]) + f"?psfs_activity={value}")
    assert response.status_code == 200


@pytest.mark.parametrize("cursor", ["²-1", "1-²", "999999999999999999-1", "1-" + "9" * 5000, "", "abc"])
def test_a_garbled_audit_cursor_means_the_first_page(cursor):
    assert parse_cursor(cursor) is None


def test_a_good_audit_cursor_is_read():
    assert parse_cursor("1000000-7") == (dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.UTC), 7)


def test_an_outcome_count_of_superscript_two_is_a_problem_not_a_crash():
    problems: list = []
    assert parse_count("tjenester.csv", 2, "antall", "²", problems) is None
    assert len(problems) == 1 and problems[0].line == 2
    assert _line_order("tjenester.csv, linje ²") == (0, "tjenester.csv, linje ²")
