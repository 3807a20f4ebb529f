import pytest
from django.db import connection, transaction
from django.urls import reverse

from oppfolging.audit.models import AuditEvent, AuditLogIsAppendOnly
from oppfolging.audit.services import audit_record


def make_event(cast):
    return audit_record(actor=cast.cu, action="read", resource="person", person=cast.person)


def test_it_refuses_to_change_or_delete_an_entry_in_the_application(cast):
    event = make_event(cast)
    event.purpose = "endret"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(purpose="x")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).purpose == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_it_rejects_update_and_delete_in_postgresql_itself(cast):
    from django.db import DatabaseError

    event = make_event(cast)
    for sql in ("UPDATE audit_auditevent SET purpose = 'x' WHERE id = %s",
                "DELETE FROM audit_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, purpose="").exists()


def test_it_lets_the_coordinating_unit_search_by_person_and_by_user(cast):
    cast.client_for(cast.gp).get(reverse("people:detail", args=[cast.person.pk]))
    client = cast.client_for(cast.cu)
    html = client.get(reverse("audit:search"), {"person": cast.person.identity_number}).content.decode()
    assert "Lars Lege" in html and "personens fastlege" in html
    html = client.get(reverse("audit:search"), {"user": cast.gp.pk}).content.decode()
    assert "Petra Person" in html
    assert AuditEvent.objects.filter(resource="audit_log", actor=cast.cu).count() == 2


def test_it_shows_nothing_of_another_municipality(cast):
    cast.client_for(cast.cu).get(reverse("people:detail", args=[cast.person.pk]))
    html = cast.client_for(cast.stranger).get(
        reverse("audit:search"), {"person": cast.person.identity_number}).content.decode()
    assert "Petra Person" not in html and "Kari Koordinerende" not in html
    assert "Ingen treff" in html


def test_it_is_only_for_the_coordinating_unit(cast):
    for user in (cast.gp, cast.colleague, cast.leader, cast.admin):
        assert cast.client_for(user).get(reverse("audit:search")).status_code == 403
    assert cast.client_for(cast.evaluator).get(reverse("audit:search")).status_code == 404


def test_it_pages_a_search_by_keyset_with_a_link_to_older_entries(cast, monkeypatch):
    from oppfolging.audit import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for resource in ("eldst", "midt", "nyest"):  # the page shows the purpose as written
        audit_record(actor=cast.gp, action="read", resource=resource, person=cast.person,
                     municipality=cast.municipality, purpose=f"markør {resource}")
    first = cast.client_for(cast.cu).get(reverse("audit:search"), {"user": cast.gp.pk}).content.decode()
    assert "markør nyest" in first and "markør midt" in first and "markør eldst" not in first
    assert "Vis eldre" in first and "eldre=" in first
    # The next page starts after the last entry shown, by time and id, not by an offset.
    entries = AuditEvent.objects.filter(actor=cast.gp)
    page, cursor = entries.page(size=2)
    assert [e.resource for e in page] == ["nyest", "midt"] and cursor
    older, last = entries.page(after=cursor, size=2)
    assert [e.resource for e in older] == ["eldst"] and last == ""


def _older_link(html):
    """Return the «Vis eldre» link's address as a browser reads it (the HTML escapes & as &amp;)."""
    import html as html_module
    import re

    match = re.search(r'<a href="([^"]*)">Vis eldre</a>', html)
    return html_module.unescape(match.group(1)) if match else None


@pytest.mark.parametrize("query", ["user", "period", "person"])
def test_it_follows_the_link_to_older_entries_page_by_page(cast, monkeypatch, query):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from oppfolging.audit import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    # Two entries share their time to the microsecond, so the cursor's tie-break by id is used.
    start = timezone.make_aware(dt.datetime(2026, 3, 10, 9, 0))
    for n, resource in enumerate(["r1", "r2", "r3", "r4", "r5"]):
        with time_machine.travel(start + dt.timedelta(minutes=min(n, 3)), tick=False):
            audit_record(actor=cast.gp, action="read", resource=resource, person=cast.person,
                         municipality=cast.municipality, purpose=f"markør {resource}")
    params = {"user": {"user": cast.gp.pk}, "period": {"date_from": "2026-03-10", "date_to": "2026-03-10"},
              "person": {"person": cast.person.identity_number}}[query]
    client = cast.client_for(cast.cu)
    url = reverse("audit:search") + "?" + "&".join(f"{k}={v}" for k, v in params.items())
    pages = []
    while url:
        html = client.get(url).content.decode()
        pages.append([r for r in ("r1", "r2", "r3", "r4", "r5") if f"markør {r}" in html])
        link = _older_link(html)
        url = reverse("audit:search") + link if link else None
        assert len(pages) < 5, pages
    assert pages == [["r4", "r5"], ["r2", "r3"], ["r1"]]


def test_a_search_up_to_a_date_includes_the_whole_of_that_day(cast):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    late = timezone.make_aware(dt.datetime(2026, 3, 10, 23, 30))
    with time_machine.travel(late, tick=False):
        audit_record(actor=cast.gp, action="read", resource="person", person=cast.person,
                     municipality=cast.municipality, purpose="sent_kveld")
    html = cast.client_for(cast.cu).get(reverse("audit:search"), {
        "date_from": "2026-03-10", "date_to": "2026-03-10"}).content.decode()
    assert "sent_kveld" in html
    html = cast.client_for(cast.cu).get(reverse("audit:search"), {
        "date_from": "2026-03-11", "date_to": "2026-03-12"}).content.decode()
    assert "sent_kveld" not in html


def test_a_garbled_cursor_gives_the_first_page():
    from oppfolging.audit.models import make_cursor, parse_cursor

    assert parse_cursor("ikke-en-markør") is None and parse_cursor("") is None
    import datetime as dt
    at = dt.datetime(2026, 3, 10, 12, 0, 0, 123456, tzinfo=dt.UTC)
    assert parse_cursor(make_cursor(at, 42)) == (at, 42)
