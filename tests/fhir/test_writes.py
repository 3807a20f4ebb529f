"""Writes: Task updates, QuestionnaireResponse and Communication creates, all through the services."""

from __future__ import annotations

import json

import pytest
from tests.fhir.conftest import FHIR, api, token

from oppfolging.accounts.models import User
from oppfolging.audit.models import AuditEvent
from oppfolging.portal.models import CitizenAccount, Message, PsfsSelfScore


def put(client, url: str, body: dict, if_match: str | None = None, content_type: str = "application/fhir+json"):
    headers = {"HTTP_IF_MATCH": if_match} if if_match is not None else {}
    return client.put(url, data=json.dumps(body), content_type=content_type, **headers)


def post(client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/fhir+json")


@pytest.fixture
def gp(cast, clients):
    return api(token("gp-ehr", scopes="user/*.read user/Task.write", hpr_number="123456789"))


def read(client, url: str) -> tuple[dict, str]:
    response = client.get(url)
    assert response.status_code == 200
    return json.loads(response.content), response["ETag"]


def test_the_gp_answers_a_medical_assessment_by_updating_the_task(cast, follow, gp):
    url = f"{FHIR}/Task/medical-{follow.medical.pk}"
    task, etag = read(gp, url)
    assert task["status"] == "requested" and etag == 'W/"1"'
    task["status"] = "completed"
    task["output"] = [{"type": {"text": "Medisinsk vurdering"}, "valueString": "Stabil hjertesvikt."}]
    response = put(gp, url, task, if_match=etag)
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    assert body["status"] == "completed" and body["meta"]["versionId"] == "2" and response["ETag"] == 'W/"2"'
    assert body["output"][0]["valueString"] == "Stabil hjertesvikt."
    follow.medical.refresh_from_db()
    assert follow.medical.answer == "Stabil hjertesvikt." and follow.medical.version == 2
    entry = AuditEvent.objects.get(resource="medical_assessment", action="update")
    assert entry.actor == cast.gp and entry.client == "gp-ehr"


def test_a_stale_or_missing_version_gets_412_and_changes_nothing(cast, follow, gp):
    url = f"{FHIR}/Task/medical-{follow.medical.pk}"
    task, _etag = read(gp, url)
    task["status"] = "completed"
    task["output"] = [{"type": {"text": "Svar"}, "valueString": "Svar"}]
    follow.medical.version = 2
    follow.medical.save()
    for if_match in ('W/"1"', None, "garbage"):
        response = put(gp, url, task, if_match=if_match)
        assert response.status_code == 412, if_match
        assert json.loads(response.content)["resourceType"] == "OperationOutcome"
    follow.medical.refresh_from_db()
    assert follow.medical.answer == "" and follow.medical.answered_at is None


def test_only_the_addressed_gp_may_answer(cast, follow, clients):
    cast.cu.hpr_number = "555"
    cast.cu.save()
    unit = api(token("gp-ehr", scopes="user/*.*", hpr_number="555"))
    url = f"{FHIR}/Task/medical-{follow.medical.pk}"
    task, etag = read(unit, url)
    task["status"] = "completed"
    task["output"] = [{"type": {"text": "Svar"}, "valueString": "Jeg svarer"}]
    response = put(unit, url, task, if_match=etag)
    assert response.status_code == 403
    follow.medical.refresh_from_db()
    assert follow.medical.answer == ""


def test_an_empty_answer_is_refused_with_422(cast, follow, gp):
    url = f"{FHIR}/Task/medical-{follow.medical.pk}"
    task, etag = read(gp, url)
    task["status"] = "completed"
    response = put(gp, url, task, if_match=etag)
    assert response.status_code == 422
    assert "medisinske" in json.loads(response.content)["issue"][0]["diagnostics"]


def test_the_owner_marks_an_action_item_done_and_open_again(cast, follow, clients):
    cast.colleague.hpr_number = "777"
    cast.colleague.save()
    owner = api(token("gp-ehr", scopes="user/Task.read user/Task.write", hpr_number="777"))
    url = f"{FHIR}/Task/action-{follow.action.pk}"
    task, etag = read(owner, url)
    task["status"] = "completed"
    response = put(owner, url, task, if_match=etag)
    assert response.status_code == 200, response.content
    follow.action.refresh_from_db()
    assert follow.action.done_by == cast.colleague and follow.action.version == 2
    task = json.loads(response.content)
    task["status"] = "requested"
    assert put(owner, url, task, if_match=response["ETag"]).status_code == 200
    follow.action.refresh_from_db()
    assert follow.action.done_at is None and follow.action.version == 3


def test_a_write_needs_a_write_scope_and_a_supported_type(cast, follow, clients):
    reader = api(token("gp-ehr", scopes="user/*.read", hpr_number="123456789"))
    url = f"{FHIR}/Task/medical-{follow.medical.pk}"
    task, etag = read(reader, url)
    task["status"] = "completed"
    assert put(reader, url, task, if_match=etag).status_code == 403
    gp = api(token("gp-ehr", scopes="user/*.*", hpr_number="123456789"))
    patient, etag = read(gp, f"{FHIR}/Patient/{cast.person.pk}")
    assert put(gp, f"{FHIR}/Patient/{cast.person.pk}", patient, if_match=etag).status_code == 405
    assert put(gp, url, task, if_match=etag, content_type="text/plain").status_code == 415
    assert put(gp, url, {"resourceType": "Patient", "id": task["id"]}, if_match=etag).status_code == 400
    assert put(gp, url, {**task, "id": "medical-999"}, if_match=etag).status_code == 400
    referral_url = f"{FHIR}/Task/referral-{follow.referral.pk}"
    assert put(gp, referral_url, task, if_match=etag).status_code == 404  # not the GP's to see


def test_a_system_token_cannot_write_what_needs_a_user(cast, follow, clients):
    system = api(token("journal-a", scopes="system/*.*"))
    url = f"{FHIR}/Task/action-{follow.action.pk}"
    task, etag = read(system, url)
    task["status"] = "completed"
    response = put(system, url, task, if_match=etag)
    assert response.status_code == 403
    follow.action.refresh_from_db()
    assert follow.action.done_at is None
    message = {"resourceType": "Communication", "status": "completed",
               "subject": {"reference": f"Patient/{cast.person.pk}"}, "payload": [{"contentString": "Hei"}]}
    assert post(system, f"{FHIR}/Communication", message).status_code == 403


def test_the_person_records_a_psfs_self_score_from_another_app(cast, follow, clients):
    user = User.objects.create(username="petra")
    # The account ID-porten bound to the person's number; a token names the person by it.
    CitizenAccount.objects.create(user=user, identity_number=cast.person.identity_number)
    own = api(token("gp-ehr", scopes="user/QuestionnaireResponse.write user/QuestionnaireResponse.read",
                    pid=cast.person.identity_number))
    body = {"resourceType": "QuestionnaireResponse", "status": "completed",
            "questionnaire": "urn:oppfolging:questionnaire:psfs",
            "subject": {"reference": f"Patient/{cast.person.pk}"},
            "item": [{"linkId": "activity", "item": [
                {"linkId": "activity.text", "answer": [{"valueString": "Handle selv"}]},
                {"linkId": "activity.score", "answer": [{"valueInteger": 6}]}]}]}
    response = post(own, f"{FHIR}/QuestionnaireResponse", body)
    assert response.status_code == 201, response.content
    score = PsfsSelfScore.objects.get(activity="Handle selv")
    assert score.score == 6 and score.person == cast.person and score.scored_by_kind == "person"
    assert response["Location"].endswith(f"{FHIR}/QuestionnaireResponse/self-{score.pk}")
    assert json.loads(response.content)["id"] == f"self-{score.pk}"
    entry = AuditEvent.objects.get(resource="psfs_self_score")
    assert entry.actor == user and entry.client == "gp-ehr"
    body["item"][0]["item"][1]["answer"][0]["valueInteger"] = 11
    assert post(own, f"{FHIR}/QuestionnaireResponse", body).status_code == 422


def test_staff_cannot_score_psfs_for_the_person(cast, follow, clients):
    unit = api(token("journal-a", scopes="system/*.*"))
    body = {"resourceType": "QuestionnaireResponse", "status": "completed",
            "questionnaire": "urn:oppfolging:questionnaire:psfs",
            "subject": {"reference": f"Patient/{cast.person.pk}"},
            "item": [{"linkId": "activity", "item": [
                {"linkId": "activity.text", "answer": [{"valueString": "X"}]},
                {"linkId": "activity.score", "answer": [{"valueInteger": 3}]}]}]}
    assert post(unit, f"{FHIR}/QuestionnaireResponse", body).status_code == 403
    assert not PsfsSelfScore.objects.filter(activity="X").exists()


def test_the_coordinator_sends_a_message_as_a_communication(cast, follow, clients):
    cast.cu.hpr_number = "555"
    cast.cu.save()
    unit = api(token("gp-ehr", scopes="user/Communication.write user/Communication.read", hpr_number="555"))
    body = {"resourceType": "Communication", "status": "completed",
            "subject": {"reference": f"Patient/{cast.person.pk}"}, "payload": [{"contentString": "Møtet er flyttet."}]}
    response = post(unit, f"{FHIR}/Communication", body)
    assert response.status_code == 201, response.content
    message = Message.objects.get(body="Møtet er flyttet.")
    assert message.sender_user == cast.cu and message.sender_kind == "professional"
    assert json.loads(response.content)["sender"]["reference"] == f"Practitioner/{cast.cu.pk}"
    # A person the caller cannot see is indistinguishable from none.
    body["subject"] = {"reference": f"Patient/{cast.other_person.pk}"}
    assert post(unit, f"{FHIR}/Communication", body).status_code == 422
    assert not Message.objects.filter(person=cast.other_person).exists()


def test_an_unsupported_method_gets_405_with_the_allowed_ones(cast, follow, clients):
    client = api(token("journal-a", scopes="system/*.*"))
    response = client.delete(f"{FHIR}/Task/action-{follow.action.pk}")
    assert response.status_code == 405 and response["Allow"] == "GET, PUT"
    response = client.post(f"{FHIR}/Patient", data="{}", content_type="application/fhir+json")
    assert response.status_code == 405 and response["Allow"] == "GET"
    assert json.loads(response.content)["issue"][0]["code"] == "not-supported"


def test_a_write_that_races_another_gets_412_and_loses_nothing(cast, follow, clients, monkeypatch):
    """Another writer saves after the API found the row: the service's versioned save refuses (412)."""
    from django.db.models import F

    from oppfolging.fhir import engine
    from oppfolging.meetings.models import ActionItem

    cast.colleague.hpr_number = "777"
    cast.colleague.save()
    owner = api(token("gp-ehr", scopes="user/Task.read user/Task.write", hpr_number="777"))
    url = f"{FHIR}/Task/action-{follow.action.pk}"
    task, _etag = read(owner, url)
    found = engine.find

    def found_then_changed_by_another(*args):
        part, obj = found(*args)
        if args[0].name == "Task" and obj.pk == follow.action.pk:
            ActionItem.objects.filter(pk=obj.pk).update(version=F("version") + 1, description="Endret av en annen")
        return part, obj

    monkeypatch.setattr(engine, "find", found_then_changed_by_another)
    task["status"] = "completed"
    response = put(owner, url, task, if_match='W/"2"')  # the version the other writer made
    assert response.status_code == 412
    issue = json.loads(response.content)["issue"][0]
    assert issue["code"] == "conflict"
    follow.action.refresh_from_db()
    assert follow.action.description == "Endret av en annen" and follow.action.done_at is None
    assert follow.action.version == 2


def test_a_create_that_conflicts_with_stored_data_gets_409(cast, follow, clients, monkeypatch):
    from django.db import IntegrityError

    from oppfolging.fhir.resources import communication

    def conflicting(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(communication, "message_send", conflicting)
    cast.cu.hpr_number = "555"
    cast.cu.save()
    unit = api(token("gp-ehr", scopes="user/Communication.write user/Communication.read", hpr_number="555"))
    body = {"resourceType": "Communication", "status": "completed",
            "subject": {"reference": f"Patient/{cast.person.pk}"}, "payload": [{"contentString": "Hei"}]}
    response = post(unit, f"{FHIR}/Communication", body)
    assert response.status_code == 409 and response["Content-Type"] == "application/fhir+json"
    issue = json.loads(response.content)["issue"][0]
    assert issue["code"] == "conflict" and "duplicate" not in issue["diagnostics"]


def test_each_refusal_is_an_operation_outcome_with_its_status(cast, follow, clients):
    """400, 401, 403, 404, 412, 415 and 422 in one walk (409: above), each a valid OperationOutcome."""
    from fhir.resources.R4B.operationoutcome import OperationOutcome

    gp = api(token("gp-ehr", scopes="user/*.read user/Task.write", hpr_number="123456789"))
    url = f"{FHIR}/Task/medical-{follow.medical.pk}"
    task, etag = read(gp, url)
    answered = {**task, "status": "completed", "output": [{"type": {"text": "Svar"}, "valueString": "Stabil."}]}
    unanswered = {**task, "status": "completed"}
    cases = [
        (400, gp.get(f"{FHIR}/Task", {"status": "requested", "colour": "blue"})),
        (400, put(gp, url, {"resourceType": "Task", "id": task["id"], "status": "not-a-status"}, if_match=etag)),
        (401, api(token("gp-ehr", minutes=-5)).get(url)),
        (403, gp.get(f"{FHIR}/Task/medical-{follow.medical.pk}", HTTP_AUTHORIZATION="Bearer " + token(
            "gp-ehr", scopes="user/Goal.read", hpr_number="123456789"))),
        (404, gp.get(f"{FHIR}/Task/medical-999999")),
        (412, put(gp, url, answered, if_match='W/"7"')),
        (415, put(gp, url, answered, if_match=etag, content_type="text/plain")),
        (422, put(gp, url, unanswered, if_match=etag)),
    ]
    for status, response in cases:
        assert response.status_code == status, (status, response.content[:300])
        assert response["Content-Type"] == "application/fhir+json"
        outcome = json.loads(response.content)
        OperationOutcome.model_validate(outcome)
        assert outcome["issue"][0]["severity"] == "error" and outcome["issue"][0]["diagnostics"]
