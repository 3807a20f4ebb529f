"""Within one request the policy's filter of visible persons is compiled once, never its answer."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from oppfolging.access import policy
from oppfolging.access.models import BreakGlassAccess


def test_within_a_request_the_filter_is_compiled_once(cast, monkeypatch):
    built = []
    original = policy._visible_persons

    def counting(user, municipality):
        built.append((user.pk, municipality))
        return original(user, municipality)

    monkeypatch.setattr(policy, "_visible_persons", counting)
    with policy.request_scope():
        for _ in range(3):
            assert set(policy.persons_visible_to(user=cast.cu)) == {cast.person}
        assert set(policy.persons_visible_to(user=cast.cu, municipality=cast.municipality)) == {cast.person}
        assert set(policy.persons_visible_to(user=cast.stranger)) == {cast.other_person}
    assert len(built) == 2  # the unit (one build with and without a municipality), and the stranger
    built.clear()
    policy.persons_visible_to(user=cast.cu)
    policy.persons_visible_to(user=cast.cu)
    assert len(built) == 2  # outside a request nothing is kept


def test_one_build_serves_the_list_with_and_without_a_municipality(cast, monkeypatch):
    built = []
    original = policy._visible_persons
    monkeypatch.setattr(policy, "_visible_persons", lambda u, m: built.append(m) or original(u, m))
    with policy.request_scope():
        assert set(policy.persons_visible_to(user=cast.stranger)) == {cast.other_person}
        assert set(policy.persons_visible_to(user=cast.stranger, municipality=cast.other_municipality)) == {
            cast.other_person}
        assert set(policy.persons_visible_to(user=cast.stranger, municipality=cast.municipality)) == set()
        assert set(policy.persons_visible_to(user=cast.cu, municipality=cast.other_municipality)) == set()
        assert set(policy.persons_visible_to(user=cast.cu, municipality=cast.municipality)) == {cast.person}
    assert built == [None, None]  # once per user, never per municipality


def test_a_change_earlier_in_the_request_is_seen(cast):
    with policy.request_scope():
        assert set(policy.persons_visible_to(user=cast.colleague)) == set()
        now = timezone.now()
        BreakGlassAccess.objects.create(
            user=cast.colleague, person=cast.person, reason="Akutt", created_at=now,
            expires_at=now + dt.timedelta(hours=4),
        )
        assert set(policy.persons_visible_to(user=cast.colleague)) == {cast.person}


def test_a_user_no_rule_can_match_sees_no_one(cast):
    with policy.request_scope():
        assert list(policy.persons_visible_to(user=cast.leader)) == []
        assert list(policy.persons_visible_to(user=cast.leader)) == []


def test_a_page_compiles_it_once_and_the_next_request_starts_afresh(cast, monkeypatch):
    built = []
    original = policy._visible_persons
    monkeypatch.setattr(policy, "_visible_persons", lambda u, m: built.append(u.pk) or original(u, m))
    client = cast.client_for(cast.cu)
    assert client.get(reverse("home:start")).status_code == 200
    per_page = len(built)
    assert per_page == 1  # one build serves the lists with and without the active municipality
    assert client.get(reverse("home:start")).status_code == 200
    assert len(built) == 2 * per_page
