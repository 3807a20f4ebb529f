"""The access log is read in words: no resource or role code reaches a page (audit/words.py)."""

import ast
import re
from pathlib import Path

from django.urls import reverse

from oppfolging.audit.services import audit_record
from oppfolging.audit.words import RESOURCE_WORDS

SRC = Path(__file__).resolve().parents[2] / "src" / "oppfolging"
CODE = re.compile(r"[a-z]+(_[a-z]+)*")


def logged_resources() -> dict[str, str]:
    """Every resource code the code writes to the log: string constants passed to an audit call,
    and the value of any `resource=` or `resource =` in the code."""
    found: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            values: list[ast.expr] = []
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                values += [kw.value for kw in node.keywords if kw.arg == "resource"]
                if "audit" in name.lower():
                    values += node.args
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == "resource" for t in targets) and node.value:
                    values.append(node.value)
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str) and CODE.fullmatch(value.value):
                    found.setdefault(value.value, str(path.relative_to(SRC)))
    return found


def test_every_resource_the_code_logs_has_words():
    found = logged_resources()
    assert len(found) > 40  # the scan finds the log calls (a broken scan finds none)
    missing = {code: where for code, where in found.items() if code not in RESOURCE_WORDS}
    assert not missing, f"resources logged without words in audit/words.py: {missing}"


def test_the_log_search_shows_what_and_who_in_words_not_codes(cast):
    audit_record(actor=cast.cu, action="read", resource="individual_plan_history", person=cast.person,
                 role="coordinator", purpose="Tjenstlig behov")
    audit_record(actor=None, actor_name="Journalsystemet", action="read", resource="fhir:CarePlan",
                 person=cast.person, role="system", purpose="FHIR-API")
    html = cast.client_for(cast.cu).get(reverse("audit:search"),
                                        {"person": cast.person.identity_number}).content.decode()
    assert "historikken til planen" in html and "opplysninger gjennom API-et" in html
    assert "Koordinator" in html and "systemet" in html
    for code in ("individual_plan_history", "fhir:CarePlan", ">coordinator<", ">system<"):
        assert code not in html
