"""The pages that list a person's documents, notes and calendar take as many queries for one
record as for many (zulip's assert_database_query_count, in pytest's clothes)."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oppfolging.access.models import Visibility
from oppfolging.documents import services
from oppfolging.meetings.models import ActionItem
from oppfolging.notes.services import note_add

from . import files


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _add(world, n: int) -> None:
    for i in range(n):
        services.document_upload(grant=world.grant(world.physio), title=f"Rapport {i}",
                                 upload=SimpleUploadedFile(f"r{i}.pdf", files.pdf(), "application/pdf"),
                                 visibility=Visibility.SERVICES if i % 2 else Visibility.TEAM,
                                 services=[world.physio_service] if i % 2 else [])
        note_add(grant=world.grant(world.physio), plan=world.plan, goal=world.goal if i % 2 else None,
                 text=f"Notat {i}", visibility=Visibility.SERVICES if i % 2 else Visibility.TEAM,
                 services=[world.physio_service] if i % 2 else [])
        ActionItem.objects.create(team=world.team, description=f"Oppgave {i}", owner_user=world.physio,
                                  due_on=timezone.localdate() + dt.timedelta(days=i % 5), created_by=world.cast.cu)


def test_the_document_note_and_calendar_pages_do_not_grow_with_the_data(world):
    client = world.client(world.physio)
    person = world.cast.person.pk
    urls = [reverse("documents:list", args=[person]), reverse("notes:list", args=[person]),
            reverse("calendars:calendar"), reverse("calendars:tasks")]
    _add(world, 1)
    one = [_count(client, url) for url in urls]
    _add(world, 6)
    many = [_count(client, url) for url in urls]
    assert many == one
