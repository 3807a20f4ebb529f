"""Chain the access log's entries with a keyed hash, and refuse TRUNCATE as well (PostgreSQL).

Entries written before this migration are chained here, in id order, per municipality. The
append-only trigger is switched off for that one update, inside this migration's transaction.
"""

from django.conf import settings
from django.db import migrations, models

from oppfolging.audit import chain

TRUNCATE_TRIGGER = """
CREATE TRIGGER audit_auditevent_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_append_only();
"""


def chain_existing_entries(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE", params=None)
        schema_editor.execute(
            "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_no_update_or_delete", params=None)
    heads: dict[int, str] = {}
    batch = []
    for event in AuditEvent.objects.using(schema_editor.connection.alias).order_by("id").iterator(chunk_size=2000):
        event.prev_hash = heads.get(chain.chain_of(event), "")
        event.entry_hash = chain.entry_hash(event.prev_hash, event)
        heads[chain.chain_of(event)] = event.entry_hash
        batch.append(event)
        if len(batch) >= 2000:
            AuditEvent.objects.bulk_update(batch, ["prev_hash", "entry_hash"])
            batch = []
    AuditEvent.objects.bulk_update(batch, ["prev_hash", "entry_hash"])
    if postgresql:
        schema_editor.execute(
            "ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_no_update_or_delete", params=None)
        schema_editor.execute(TRUNCATE_TRIGGER, params=None)


def unchain(apps, schema_editor):
    # Reached only in tests: audit/apps.py refuses to migrate the audit app backwards elsewhere.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent",
                              params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_municipality_contact_email_and_more"),
        ("audit", "0003_auditevent_client"),
        ("people", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="entry_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["municipality", "-id"], name="audit_chain_head"),
        ),
        migrations.RunPython(chain_existing_entries, unchain),
    ]
