import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from oppfolging.meetings import selectors
from oppfolging.meetings.models import ActionItem, MeetingStatus

from .conftest import at


def _item(meeting, owner_membership=None, owner_user=None, days=7, **kwargs):
    return ActionItem.objects.create(
        team=meeting.team, meeting=meeting, description=kwargs.pop("description", "Søke om BPA"),
        owner_membership=owner_membership, owner_user=owner_user,
        due_on=timezone.localdate() + dt.timedelta(days=days), created_by=meeting.created_by, **kwargs)


def test_it_flags_action_items_once_their_deadline_has_passed(cast, meeting):
    item = _item(meeting, owner_user=cast.colleague, days=7)
    url = reverse("meetings:action_items", args=[cast.person.pk])
    client = cast.client_for(cast.cu)
    assert "Forfalt" not in client.get(url).content.decode()
    assert list(selectors.overdue_action_items(municipality=cast.municipality)) == []
    with time_machine.travel(at(8)):
        assert item.is_overdue()
        html = cast.client_for(cast.cu).get(url).content.decode()
        assert "Forfalt" in html and 'class="flagged"' in html
        assert list(selectors.overdue_action_items(municipality=cast.municipality)) == [item]
        assert list(selectors.overdue_action_items(municipality=cast.other_municipality)) == []


def test_it_lets_the_owner_mark_their_item_done_and_undo_it(cast, meeting):
    membership = meeting.team.memberships.get(user=cast.colleague)
    item = _item(meeting, owner_membership=membership)
    other = _item(meeting, owner_user=cast.cu, description="Ringe NAV")
    assert list(selectors.open_action_items_for(user=cast.colleague)) == [item]
    client = cast.client_for(cast.colleague)
    client.post(reverse("meetings:action_item_done", args=[cast.person.pk, item.pk]))
    item.refresh_from_db()
    assert item.done_by == cast.colleague and item.done_at is not None
    assert list(selectors.open_action_items_for(user=cast.colleague)) == []
    assert client.post(reverse("meetings:action_item_done", args=[cast.person.pk, other.pk])).status_code == 403
    client.post(reverse("meetings:action_item_reopen", args=[cast.person.pk, item.pk]))
    item.refresh_from_db()
    assert item.done_at is None and item.done_by is None


def test_it_puts_open_action_items_on_the_next_agenda_until_done(cast, team, meeting):
    from oppfolging.meetings import services

    from .conftest import grant_for

    meeting.status = MeetingStatus.HELD
    meeting.save()
    item = _item(meeting, owner_user=cast.cu)
    done = _item(meeting, owner_user=cast.cu, description="Gjort", done_at=timezone.now())
    later = services.meeting_schedule(grant=grant_for(cast.cu, cast.person), team=team,
                                      starts_at=at(20), location="Helsehuset")
    agenda = services.agenda_build(grant=grant_for(cast.cu, cast.person), meeting=later)
    assert [a.action_item for a in agenda] == [item]
    assert done not in [a.action_item for a in agenda]


def test_it_finds_teams_without_a_recent_meeting(cast, team, meeting):
    assert list(selectors.teams_without_recent_meeting(municipality=cast.municipality, days=30)) == [team]
    with time_machine.travel(at(4)):
        assert list(selectors.teams_without_recent_meeting(municipality=cast.municipality, days=30)) == []
    with time_machine.travel(at(40)):
        assert list(selectors.teams_without_recent_meeting(municipality=cast.municipality, days=30)) == [team]
    assert list(selectors.teams_without_recent_meeting(municipality=cast.other_municipality, days=30)) == []
