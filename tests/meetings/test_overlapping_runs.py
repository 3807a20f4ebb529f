"""Two reminder runs at once (scheduler and cron, or two workers) must both finish cleanly."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection

from oppfolging.accounts.models import Role, RoleAssignment, User
from oppfolging.meetings import services
from oppfolging.meetings.models import Invitation
from oppfolging.notifications import reminders as tasks
from oppfolging.teams.models import TeamMembership

from .conftest import at, grant_for


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="the in-memory SQLite test database refuses a second writer instead of waiting")
@pytest.mark.django_db(transaction=True)
def test_it_lets_two_overlapping_reminder_runs_both_finish_and_sends_each_agenda_once(
        cast, team, due_goal, monkeypatch):
    meeting = services.meeting_schedule(grant=grant_for(cast.cu, cast.person), team=team,
                                        starts_at=at(3), location="Helsehuset")
    # A member who joined after the meeting was scheduled: both runs want to invite her.
    newcomer = User.objects.create(username="ny", first_name="Nora", last_name="Ny", email="nora@example.invalid")
    RoleAssignment.objects.create(user=newcomer, role=Role.TEAM_MEMBER, municipality=cast.municipality,
                                  service=cast.service)
    TeamMembership.objects.create(team=team, user=newcomer, service=cast.service, role_in_team="Ergoterapeut",
                                  added_by=cast.cu)
    # Hold each run just before it writes an invitation until the other has caught up (or a
    # second has passed), so both runs have decided whom to invite before either writes.
    both_ready = threading.Barrier(2, timeout=1)
    save = Invitation.save

    def save_when_both_ready(self, *args, **kwargs):
        try:
            both_ready.wait()
        except threading.BrokenBarrierError:
            pass
        return save(self, *args, **kwargs)

    monkeypatch.setattr(Invitation, "save", save_when_both_ready)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(tasks.run_all())
        except BaseException as error:  # noqa: BLE001 - the test reports whatever a run raised
            errors.append(error)
        finally:
            connection.close()

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(timeout=60)

    assert errors == []
    assert len(results) == 2 and sum(r["agendas_sent"] for r in results) == 4
    assert Invitation.objects.filter(meeting=meeting, membership__user=newcomer).count() == 1
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["kim@example.invalid", "nils@example.invalid", "nora@example.invalid",
                          "petra@example.invalid"]
