from django.core.management import call_command
from django.utils import timezone

from oppfolging.accounts.models import Municipality
from oppfolging.demo.meetings import create_demo_meetings
from oppfolging.meetings import selectors
from oppfolging.meetings.models import ActionItem, AgendaItem, Invitation, Meeting


def _counts():
    return (Meeting.objects.count(), Invitation.objects.count(), AgendaItem.objects.count(),
            ActionItem.objects.count())


def test_it_creates_a_believable_meeting_history_once(db, demo_mode):
    call_command("demo", skip_risk=True, skip_history=True)
    municipality = Municipality.objects.order_by("pk").first()
    today = timezone.localdate()
    create_demo_meetings(municipality=municipality, today=today)
    first = _counts()
    create_demo_meetings(municipality=municipality, today=today)
    assert _counts() == first
    meetings = Meeting.objects.filter(team__person__municipality=municipality)
    assert meetings.filter(status="held").exists()
    assert meetings.filter(status="planned", agenda_sent_at__isnull=False, starts_at__gt=timezone.now()).exists()
    assert meetings.filter(status="planned", agenda_sent_at__isnull=True).exists()
    assert Invitation.objects.filter(attendance="absent_without_notice").exists()
    assert AgendaItem.objects.filter(added_by_kind="person", meeting__status="planned").exists()
    assert ActionItem.objects.filter(done_at__isnull=False).exists()
    assert selectors.overdue_action_items(municipality=municipality).exists()
    assert any(row.rate for row in selectors.no_show_rates_by_service(
        municipality=municipality, since=today.replace(year=today.year - 1)))
    assert selectors.teams_without_recent_meeting(municipality=municipality, days=60).exists()
