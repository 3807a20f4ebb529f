"""The access log cannot be emptied, and what is changed behind the application's back is found."""

from __future__ import annotations

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from oppfolging.audit import chain
from oppfolging.audit.checks import check_audit_table_owner
from oppfolging.audit.models import AuditEvent, AuditLogIsAppendOnly
from oppfolging.audit.services import audit_record

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's trigger and roles")


def write_entries(cast, count: int = 3) -> list[AuditEvent]:
    return [audit_record(actor=cast.cu, action="read", resource="person", person=cast.person,
                         purpose=f"Lest {n}", ip="2001:0db8:0000:0000:0000:0000:0000:0001") for n in range(count)]


def verify() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except CommandError as error:
        return "tampered", err.getvalue() + str(error)
    return "intact", out.getvalue()


def tamper(sql: str, params: list[object]) -> None:
    """Change the table as its owner would: with the append-only trigger switched off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks, or ALTER refuses
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_no_update_or_delete")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_no_update_or_delete")


def test_it_links_each_entry_to_the_one_before_it_in_its_municipality(cast):
    first, second, third = write_entries(cast)
    elsewhere = audit_record(actor=cast.stranger, action="read", resource="person", person=cast.other_person)
    assert first.prev_hash == "" and second.prev_hash == first.entry_hash and third.prev_hash == second.entry_hash
    assert elsewhere.prev_hash == ""  # another municipality, another chain
    status, output = verify()
    assert status == "intact" and "4 entries verified" in output
    assert f"chain {cast.municipality.pk}: 3 entries, newest hash {third.entry_hash}" in output


def test_it_finds_an_entry_changed_by_the_tables_owner(cast):
    entries = write_entries(cast)
    tamper("UPDATE audit_auditevent SET purpose = %s WHERE id = %s", ["Ingenting å se her", entries[1].pk])
    status, output = verify()
    assert status == "tampered"
    assert f"entry {entries[1].pk} (chain {cast.municipality.pk}): its content does not match its hash" in output


def test_it_finds_an_entry_removed_by_the_tables_owner(cast):
    entries = write_entries(cast)
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [entries[1].pk])
    status, output = verify()
    assert status == "tampered"
    assert f"entry {entries[2].pk} (chain {cast.municipality.pk}): does not follow the entry before it" in output


def test_it_finds_a_change_whose_chain_was_recomputed_without_the_key(cast, settings):
    entries = write_entries(cast)
    # The owner rewrites the second entry and recomputes every hash after it, with a key it
    # guesses (it has the database, not the application's settings).
    settings.AUDIT_CHAIN_KEY = "guessed"
    rows = list(AuditEvent.objects.order_by("id"))
    rows[1].purpose = "Ingenting å se her"
    previous = rows[0].entry_hash
    for row in rows[1:]:
        row.prev_hash, row.entry_hash = previous, chain.entry_hash(previous, row)
        previous = row.entry_hash
        tamper("UPDATE audit_auditevent SET purpose = %s, prev_hash = %s, entry_hash = %s WHERE id = %s",
               [row.purpose, row.prev_hash, row.entry_hash, row.pk])
    settings.AUDIT_CHAIN_KEY = ""
    status, output = verify()
    assert status == "tampered" and f"entry {entries[1].pk}" in output


def test_it_refuses_bulk_create_that_would_skip_the_chain(cast):
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.bulk_create([AuditEvent(actor_name="x", resource="person", action="read")])


def test_it_refuses_flush_outside_the_test_suite(cast, settings):
    write_entries(cast, 1)
    settings.TESTING = False
    with pytest.raises(CommandError, match="access log"):
        call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 1


def test_it_refuses_to_migrate_the_audit_app_backwards_outside_the_test_suite(cast, settings):
    settings.TESTING = False
    with pytest.raises(CommandError, match="audit app backwards"):
        call_command("migrate", "audit", "0002", verbosity=0, stdout=io.StringIO())
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, "audit_auditevent")]
    assert "entry_hash" in columns


@postgresql_only
def test_it_refuses_truncate_in_postgresql_itself(cast):
    write_entries(cast, 1)
    with connection.cursor() as cursor:
        # As in every real database (the test database switches it off for Django's teardown).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_no_truncate")
        for sql in ("TRUNCATE audit_auditevent", "TRUNCATE people_person CASCADE"):
            with pytest.raises(DatabaseError, match="append-only: TRUNCATE"), transaction.atomic():
                cursor.execute(sql)
    assert AuditEvent.objects.count() == 1


@postgresql_only
def test_it_warns_in_check_deploy_when_the_app_role_could_drop_the_trigger(cast):
    # The test suite runs as the owner (a superuser): the warning shows.
    [warning] = check_audit_table_owner(None)
    assert warning.id == "oppfolging.W020" and "append-only" in warning.msg
    # A role with only SELECT and INSERT, as docs/operations.md sets up, gets no warning.
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE oppfolging_app_check NOLOGIN")
        cursor.execute("GRANT SELECT, INSERT ON audit_auditevent TO oppfolging_app_check")
        cursor.execute("SET ROLE oppfolging_app_check")
        try:
            assert check_audit_table_owner(None) == []
        finally:
            cursor.execute("RESET ROLE")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_chain_when_two_writers_log_at_once(cast):
    # Each writer holds its transaction open until the other has started its own, or a second
    # has passed: without the chain's lock both would link to the same previous entry.
    both_started = threading.Barrier(2, timeout=1)
    errors: list[BaseException] = []

    def write(user) -> None:  # noqa: ANN001
        try:
            for _ in range(3):
                with transaction.atomic():
                    audit_record(actor=user, action="read", resource="person", person=cast.person)
                    try:
                        both_started.wait()
                    except threading.BrokenBarrierError:
                        both_started.reset()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    writers = [threading.Thread(target=write, args=(user,)) for user in (cast.cu, cast.gp)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=60)
    assert errors == []
    assert AuditEvent.objects.count() == 6
    status, output = verify()
    assert status == "intact", output
