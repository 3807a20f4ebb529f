"""The client registry command, the token command, and the system check on the local issuer."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from tests.fhir.conftest import FHIR, api
from tests.test_settings import run_check

from oppfolging.fhir.models import ApiClient


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_it_registers_lists_and_disables_a_client(cast):
    assert "Registered" in run("fhir_client", "add", "--client", "journal-a", "--name", "Journal A",
                               "--municipality", "9801", "--scope", "system/*.read")
    client = ApiClient.objects.get(client_id="journal-a")
    assert (client.municipality, client.scopes, client.is_active) == (cast.municipality, "system/*.read", True)
    assert "journal-a\tJournal A\tTestvik kommune (9801)\tactive" in run("fhir_client", "list")
    run("fhir_client", "disable", "--client", "journal-a")
    client.refresh_from_db()
    assert not client.is_active


def test_it_refuses_system_scopes_without_a_municipality(cast):
    with pytest.raises(CommandError, match="must belong to a municipality"):
        run("fhir_client", "add", "--client", "x", "--name", "X", "--scope", "system/*.read")
    with pytest.raises(CommandError, match="No SMART scope"):
        run("fhir_client", "add", "--client", "x", "--name", "X", "--scope", "openid")
    assert not ApiClient.objects.exists()


def test_a_minted_token_reads_through_the_api(cast, follow):
    run("fhir_client", "add", "--client", "journal-a", "--name", "Journal A", "--municipality", "9801",
        "--scope", "system/*.read")
    bearer = run("fhir_token", "--client", "journal-a", "--scope", "system/Patient.read").strip()
    response = api(bearer).get(f"{FHIR}/Patient")
    assert response.status_code == 200 and json.loads(response.content)["total"] == 1
    assert api(bearer).get(f"{FHIR}/CarePlan").status_code == 403
    with pytest.raises(CommandError, match="No active client"):
        run("fhir_token", "--client", "nobody", "--scope", "system/*.read")


def test_it_refuses_the_local_issuer_in_production(tmp_path):
    result = run_check(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="example.invalid", FHIR_DEV_ISSUER="1",
                       DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    assert result.returncode != 0
    assert "oppfolging.fhir.E001" in result.stderr
