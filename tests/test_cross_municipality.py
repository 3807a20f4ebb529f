"""Walk every URL pattern of the project as a user of another municipality.

A view that touches personal data must answer 404 to them (indistinguishable from "does not
exist"), and pages without ids must not show anything of the other municipality. A new URL
parameter that this test does not know fails the test, so nobody can add a view unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from oppfolging.access.models import BreakGlassAccess
from oppfolging.assessments.models import Assessment, MedicalAssessment
from oppfolging.calendars.services import calendar_feed_create, calendar_feed_revoke
from oppfolging.catalogue.models import ServicePrice
from oppfolging.children.models import ParentExclusion
from oppfolging.documents.models import Document
from oppfolging.gp.models import RiskEntry, RiskList
from oppfolging.meetings.models import ActionItem, Meeting, MeetingDecision
from oppfolging.notes.models import Note
from oppfolging.notifications.models import Delivery, Notification
from oppfolging.outcomes.models import HospitalStay, OutcomeImport
from oppfolging.plans.history import record_change
from oppfolging.plans.models import Goal, IndividualPlan, Measure
from oppfolging.plantemplates.models import PlanSection, PlanTemplate
from oppfolging.portal.models import GoalProposal
from oppfolging.referrals.models import Referral
from oppfolging.teams.models import Consent, CoordinatorAssignment, Team, TeamMembership

# Views that serve everyone without signing in, or only change the session.
PUBLIC_OR_SESSION_ONLY = {
    "accounts:login", "accounts:logout", "accounts:demo_sign_in",
    "accounts:helseid_start", "accounts:helseid_callback",
    "accounts:switch_municipality", "set_language",
    "public_referral_start", "public_referral_form", "public_referral_receipt", "meetings:rsvp",
    # Health and metrics hold no municipality's data (tests/operations/test_endpoints.py).
    "operations:live", "operations:ready", "operations:metrics",
}


def walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, URLPattern, str]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, prefix + str(entry.pattern), ns)
        else:
            yield f"{namespace}{entry.name}", entry, prefix + str(entry.pattern)


def project_patterns() -> list[tuple[str, URLPattern, str]]:
    """Every page of the project. The FHIR API answers tokens only, never a session: it is walked
    with tokens by test_it_hides_municipality_a_from_api_tokens_for_b below."""
    return [p for p in walk(get_resolver())
            if p[1].callback.__module__.startswith("oppfolging.") and not p[0].startswith("fhir:")]


@pytest.fixture
def ids(cast):
    """Ids of municipality A's objects for every URL parameter the project uses."""
    access = BreakGlassAccess.objects.create(
        user=cast.colleague, person=cast.person, reason="Akutt behov for opplysninger om pårørende",
        expires_at="2100-01-01T00:00:00Z",
    )
    referral = Referral.objects.create(
        municipality=cast.municipality, person=cast.person, subject_given_name="Petra",
        subject_family_name="Person", source="gp", channel="in_app", reporter_name="Lars Lege",
        observations="Faller mye.", consent="given", deadline="2030-01-01", receipt_code="TESTKODE",
    )
    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    membership = TeamMembership.objects.create(
        team=team, user=cast.colleague, service=cast.service, added_by=cast.cu)
    consent = Consent.objects.create(
        person=cast.person, scope="team_and_plan", given_by="person", method="paper")
    assessment = Assessment.objects.create(person=cast.person, created_by=cast.cu, referral=referral)
    medical = MedicalAssessment.objects.create(
        assessment=assessment, gp=cast.gp, question="Vurdering?", requested_by=cast.cu)
    plan = IndividualPlan.objects.create(person=cast.person, team=team, created_by=cast.cu)
    goal = Goal.objects.create(plan=plan, text="Hemmelig mål", author_kind="person",
                               next_evaluation_on="2030-01-01")
    measure = Measure.objects.create(goal=goal, description="Tiltak", responsible_service=cast.service)
    change = record_change(plan=plan, actor=cast.cu, item=goal, action="create", summary="Nytt mål")
    meeting = Meeting.objects.create(team=team, starts_at="2030-01-01T10:00:00Z", created_by=cast.cu)
    decision = MeetingDecision.objects.create(meeting=meeting, text="Beslutning", recorded_by=cast.cu)
    action = ActionItem.objects.create(team=team, meeting=meeting, description="Oppgave",
                                       due_on="2030-01-01", created_by=cast.cu, owner_user=cast.colleague)
    proposal = GoalProposal.objects.create(person=cast.person, text="Forslag", proposed_by_kind="person")
    risk_list = RiskList.objects.create(gp=cast.gp, municipality=cast.municipality, status="done")
    entry = RiskEntry.objects.create(risk_list=risk_list, patient_id="P1", national_id=cast.person.identity_number,
                                     risk=0.5, rank=1, new_priority=1, reasons="Hjertesvikt (K77)")
    notification = Notification.objects.create(key="n", kind="message", recipient_user=cast.cu, person=cast.person,
                                               municipality=cast.municipality)
    letter = Delivery.objects.create(notification=notification, channel="letter", address="Petra Person",
                                     status="to_print")
    assignment = CoordinatorAssignment.objects.create(team=team, coordinator=cast.cu, appointed_by=cast.cu)
    outcome_import = OutcomeImport.objects.create(
        municipality=cast.municipality, kind="admissions_csv", file_name="innleggelser.csv",
        sha256="0" * 64, imported_by=cast.cu, period_start="2024-01-01", period_end="2024-12-31",
        covers_stays=True,
    )
    HospitalStay.objects.create(person=cast.person, admitted="2024-03-01", acute=True,
                                source=outcome_import)
    document = Document.objects.create(person=cast.person, title="Hemmelig mål", added_by=cast.cu,
                                       added_by_kind="professional", original_name="a.pdf",
                                       content_type="application/pdf", size=1, sha256="0" * 64, storage_key="9801/a.pdf")
    note = Note.objects.create(person=cast.person, plan=plan, text="Hemmelig mål", added_by=cast.cu)
    template = PlanTemplate.objects.create(municipality=cast.municipality, name="Mal", created_by=cast.cu)
    price = ServicePrice.objects.create(municipality=cast.municipality, service="Hjemmesykepleien", unit="hour",
                                        valid_from=2024, amount=800, basis="Hemmelig mål", created_by=cast.cu)
    section = PlanSection.objects.create(plan=plan, title="Hemmelig mål")
    exclusion = ParentExclusion.objects.create(person=cast.person, related_person=cast.next_of_kin,
                                               reason="Grunn", decided_by=cast.cu)
    _feed, token = calendar_feed_create(user=cast.cu)
    calendar_feed_revoke(user=cast.cu, feed=_feed)
    return {
        "assignment_id": assignment.pk,
        "document_id": document.pk,
        "note_id": note.pk,
        "template_id": template.pk,
        "price_id": price.pk,
        "section_id": section.pk,
        "exclusion_id": exclusion.pk,
        "token": token,
        "notification_id": notification.pk,
        "delivery_id": letter.pk,
        "list_id": risk_list.pk,
        "import_id": outcome_import.pk,
        "entry_id": entry.pk,
        "person_id": cast.person.pk,
        "goal_id": goal.pk,
        "measure_id": measure.pk,
        "change_id": change.pk,
        "meeting_id": meeting.pk,
        "decision_id": decision.pk,
        "item_id": action.pk,
        "proposal_id": proposal.pk,
        "number": cast.municipality.number,
        "related_id": cast.next_of_kin.pk,
        "service_id": cast.service.pk,
        "access_id": access.pk,
        "username": "ke",
        "referral_id": referral.pk,
        "membership_id": membership.pk,
        "consent_id": consent.pk,
        "assessment_id": assessment.pk,
        "medical_id": medical.pk,
        "user_id": cast.cu.pk,
    }


def fill(route: str, ids: dict[str, object]) -> str:
    import re

    def replace(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in ids:
            raise AssertionError(f"URL parameter {name!r} in {route!r} is unknown to this test")
        return str(ids[name])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", replace, route)


def test_it_knows_every_project_url(cast, ids):
    names = [name for name, _p, _r in project_patterns()]
    assert len(names) >= 15


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_hides_municipality_a_from_a_user_of_municipality_b(cast, ids, method):
    client = cast.client_for(cast.stranger)
    secrets = [cast.person.full_name, cast.person.identity_number, cast.next_of_kin.full_name,
               cast.service.name, "Hemmelig mål"]
    checked = 0
    for name, _pattern, route in project_patterns():
        if name in PUBLIC_OR_SESSION_ONLY:
            continue
        url = fill(route, ids)
        response = getattr(client, method)(url)
        body = response.content.decode(errors="replace")
        if "<" in route:
            # 405 (wrong method) is decided before any lookup, so it reveals nothing either.
            assert response.status_code in (404, 405), f"{method.upper()} {url} ({name}) gave {response.status_code}"
        else:
            assert response.status_code in (200, 302, 403, 404, 405), f"{url} ({name}) gave {response.status_code}"
        for secret in secrets:
            assert secret not in body, f"{method.upper()} {url} ({name}) shows {secret!r}"
        checked += 1
    assert checked >= 10


# The FHIR API: the same walk, with tokens instead of a session.

API_TYPES_WITHOUT_MUNICIPALITY = {"Questionnaire"}  # the PSFS and IPLOS definitions, no one's data


@pytest.fixture
def api_ids(cast, ids):
    """Logical ids of municipality A's resources, for every resource type of the API."""
    from oppfolging.assessments.models import IplosScore, PsfsActivity
    from oppfolging.audit.models import AuditEvent
    from oppfolging.indicators.definitions import INDICATORS
    from oppfolging.portal.models import Message, PsfsSelfScore

    PsfsActivity.objects.create(assessment_id=ids["assessment_id"], position=1, activity="Gå", score=3)
    IplosScore.objects.create(assessment_id=ids["assessment_id"], variable="social_participation", score=3)
    message = Message.objects.create(person=cast.person, sender_user=cast.cu, sender_kind="professional",
                                     body="Hemmelig mål")
    self_score = PsfsSelfScore.objects.create(person=cast.person, activity="Gå", score=5)
    audit = AuditEvent.objects.create(actor=cast.cu, actor_name="Kari", municipality=cast.municipality,
                                      person=cast.person, resource="person", action="read")
    from django.utils import timezone

    key = INDICATORS[0].key.replace("_", "-")
    return {
        "Patient": [cast.person.pk], "RelatedPerson": [cast.next_of_kin.pk],
        "Practitioner": [cast.cu.pk, cast.gp.pk],
        "PractitionerRole": [cast.cu.role_assignments.get().pk],
        "Organization": [cast.municipality.pk], "HealthcareService": [cast.service.pk],
        "ServiceRequest": [f"referral-{ids['referral_id']}", f"medical-{ids['medical_id']}"],
        "Task": [f"referral-{ids['referral_id']}", f"medical-{ids['medical_id']}", f"action-{ids['item_id']}"],
        "CareTeam": [ids["membership_id"] and cast.person.teams.get().pk],
        "CarePlan": [cast.person.individual_plan.pk], "Goal": [ids["goal_id"]], "Consent": [ids["consent_id"]],
        "Appointment": [ids["meeting_id"]],
        "QuestionnaireResponse": [f"psfs-{ids['assessment_id']}", f"iplos-{ids['assessment_id']}",
                                  f"self-{self_score.pk}"],
        "Communication": [message.pk], "RiskAssessment": [ids["entry_id"]], "AuditEvent": [audit.pk],
        "MeasureReport": [f"{cast.municipality.number}-{timezone.localdate().year}-{key}"],
    }


def _api_client(client_id: str, municipality, scopes: str):
    from oppfolging.fhir.auth import jwks_cache
    from oppfolging.fhir.models import ApiClient

    jwks_cache.clear()  # each test has its own issuer key

    return ApiClient.objects.create(client_id=client_id, name=client_id, municipality=municipality, scopes=scopes)


def _token_client(**claims):
    from django.test import Client

    from oppfolging.fhir import dev_issuer

    return Client(HTTP_AUTHORIZATION="Bearer " + dev_issuer.mint(scopes="user/*.* system/*.*", **claims))


def test_it_covers_every_api_resource_type(cast, api_ids):
    from oppfolging.fhir.resources import REGISTRY

    assert set(api_ids) == set(REGISTRY) - API_TYPES_WITHOUT_MUNICIPALITY


def _assert_hidden(client, cast, api_ids, label, types=None):
    secrets = [cast.person.full_name, cast.person.identity_number, cast.service.name, "Hemmelig mål"]
    for resource_type, resource_ids in api_ids.items():
        if types is not None and resource_type not in types:
            continue
        for resource_id in resource_ids:
            response = client.get(f"/fhir/R4/{resource_type}/{resource_id}")
            assert response.status_code == 404, f"{label}: {resource_type}/{resource_id} gave {response.status_code}"
        search = client.get(f"/fhir/R4/{resource_type}")
        assert search.status_code == 200, f"{label}: search {resource_type} gave {search.status_code}"
        body = search.content.decode()
        found = {e["resource"]["id"] for e in search.json()["entry"]}
        assert not found & {str(i) for i in resource_ids}, f"{label}: search {resource_type} shows A's"
        for secret in secrets:
            assert secret not in body, f"{label}: search {resource_type} shows {secret!r}"


def test_it_hides_municipality_a_from_api_tokens_for_b(cast, ids, api_ids, settings, tmp_path):
    settings.FHIR_DEV_ISSUER_KEY_FILE = str(tmp_path / "key.pem")
    _api_client("journal-b", cast.other_municipality, "system/*.* user/*.*")
    _api_client("any-ehr", None, "user/*.*")
    cast.stranger.hpr_number = "987654321"
    cast.stranger.save()
    _assert_hidden(_token_client(client_id="journal-b"), cast, api_ids, "system token of B")
    _assert_hidden(_token_client(client_id="any-ehr", hpr_number="987654321"), cast, api_ids,
                   "token on behalf of a user of B")


def test_it_hides_persons_from_a_token_on_behalf_of_a_user_without_a_reason(cast, ids, api_ids, settings, tmp_path):
    settings.FHIR_DEV_ISSUER_KEY_FILE = str(tmp_path / "key.pem")
    _api_client("any-ehr", None, "user/*.*")
    cast.leader.hpr_number = "111111111"
    cast.leader.save()
    person_types = {"Patient", "RelatedPerson", "ServiceRequest", "Task", "CareTeam", "CarePlan", "Goal",
                    "Consent", "Appointment", "QuestionnaireResponse", "Communication", "RiskAssessment",
                    "AuditEvent"}
    _assert_hidden(_token_client(client_id="any-ehr", hpr_number="111111111"), cast, api_ids,
                   "token on behalf of a leader in A", types=person_types)


def test_it_gives_a_signed_in_session_no_access_to_the_api(cast, ids):
    response = cast.client_for(cast.cu).get(f"/fhir/R4/Patient/{cast.person.pk}")
    assert response.status_code == 401 and cast.person.full_name not in response.content.decode()


# Nonsense in query parameters (#12.14): a clean 400 or 404 or a form error, never a 500.

QUERY_NAMES = ["referral", "person", "mal", "parent", "periode", "dager", "side", "vis", "dato", "visning"]
FORM_NAMES = ["referral", "person", "version", "delivery"]
# The walk's document has a record but no stored file, which is a different error than a parameter.
NO_STORED_FILE = {"documents:file", "documents:portal_file"}


@pytest.mark.parametrize("value", ["9" * 5000, "²"])
def test_it_answers_nonsense_parameters_without_a_server_error(cast, ids, value):
    """Every page, as users who may open it, with every id a view reads from the query or a form set to nonsense.

    5,000 digits are more than int() converts; «²» is a digit to str.isdigit() but not to int().
    """
    clients = [cast.client_for(user) for user in (cast.cu, cast.gp)]
    for client in clients:
        client.raise_request_exception = False
    query = "?" + "&".join(f"{name}={value}" for name in QUERY_NAMES)
    checked = 0
    for name, _pattern, route in project_patterns():
        if name in PUBLIC_OR_SESSION_ONLY or name in NO_STORED_FILE:
            continue
        url = fill(route, ids) + query
        for client in clients:
            response = client.get(url)
            assert response.status_code < 500, f"GET {url[:100]}… ({name}) gave {response.status_code}"
            response = client.post(url, {field: value for field in FORM_NAMES})
            assert response.status_code < 500, f"POST {url[:100]}… ({name}) gave {response.status_code}"
        checked += 1
    assert checked >= 10


# Every outgoing message (e-mail, SMS, calendar invitation and feed) and every export (#12).


def test_it_sends_nothing_of_municipality_a_to_a_user_of_municipality_b(cast, deliver):
    """A user of B wrongly put in A's team, invited, owning a task and told directly: nothing reaches them."""
    import datetime as dt

    from django.core import mail
    from django.utils import timezone

    from oppfolging.access.grants import PersonGrant
    from oppfolging.calendars.services import calendar_feed_create
    from oppfolging.meetings import services as meetings
    from oppfolging.notifications.models import Kind
    from oppfolging.notifications.reminders import run_all
    from oppfolging.notifications.services import Recipient, notify
    from oppfolging.notifications.sms import MemoryBackend

    MemoryBackend.outbox.clear()
    stranger, colleague = cast.stranger, cast.colleague
    stranger.email, stranger.phone, stranger.notify_sms = "frank@example.invalid", "+4799999999", True
    stranger.save()
    colleague.email = "kim@example.invalid"
    colleague.save()
    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    for service in (cast.service, cast.other_service):
        Consent.objects.create(person=cast.person, scope="share_with_service", service=service,
                               given_by="person", method="paper")
    Consent.objects.create(person=cast.person, scope="team_and_plan", given_by="person", method="paper")
    TeamMembership.objects.create(team=team, user=colleague, service=cast.service, added_by=cast.cu)
    TeamMembership.objects.create(team=team, user=stranger, service=cast.other_service, added_by=cast.cu)
    from oppfolging.access import policy

    unit = policy.person_grant(user=cast.cu, person=cast.person)
    meeting = meetings.meeting_schedule(grant=unit, team=team, starts_at=timezone.now() + dt.timedelta(days=3),
                                        location="Helsehuset, møterom 2")
    meetings.agenda_send(grant=PersonGrant.system(cast.person), meeting=meeting)
    ActionItem.objects.create(team=team, description="Hemmelig mål", owner_user=stranger, created_by=cast.cu,
                              due_on=timezone.localdate() - dt.timedelta(days=1))
    notify(kind=Kind.MESSAGE, key="direkte", recipient=Recipient(user=stranger), person=cast.person)
    run_all()
    deliver()

    assert any(m.to == ["kim@example.invalid"] for m in mail.outbox), "the walk must send something to A"
    assert [m for m in mail.outbox if "frank@example.invalid" in m.to] == []
    assert [s for s in MemoryBackend.outbox if "99999999" in str(s)] == []
    to_stranger = Delivery.objects.filter(notification__recipient_user=stranger)
    assert to_stranger.exists() and set(to_stranger.values_list("status", flat=True)) == {"refused"}
    for message in mail.outbox:
        attachments = "".join(str(content) for _name, content, _type in message.attachments)
        assert cast.other_municipality.name not in message.body + attachments
    _feed, token = calendar_feed_create(user=stranger)
    feed = cast.client_for(stranger).get(f"/kalender/abonnement/{token}.ics").content.decode()
    assert "BEGIN:VCALENDAR" in feed and "Helsehuset" not in feed and "Hemmelig" not in feed


def test_it_exports_nothing_of_municipality_a_to_a_leader_of_municipality_b(cast, ids):
    """Every export a leader of B can download (indicators, effect) holds B's figures only."""
    import io

    from openpyxl import load_workbook

    from oppfolging.accounts.models import Role, RoleAssignment

    RoleAssignment.objects.create(user=cast.stranger, role=Role.LEADER, municipality=cast.other_municipality)
    client = cast.client_for(cast.stranger)
    secrets = [cast.municipality.name, cast.person.full_name, cast.person.identity_number, cast.service.name,
               "Hemmelig mål"]
    exports = ["/indikatorer/9802/indikatorer.csv", "/indikatorer/9802/indikatorer.xlsx",
               "/indikatorer/9802/measurereport.json", "/effekt/9802/effekt.csv", "/effekt/9802/effekt.xlsx"]
    for url in exports:
        response = client.get(url)
        assert response.status_code == 200, url
        if url.endswith(".xlsx"):
            workbook = load_workbook(io.BytesIO(response.content))
            text = "\n".join(str(v) for sheet in workbook for row in sheet.iter_rows(values_only=True) for v in row)
        else:
            text = response.content.decode("utf-8-sig")
        assert "9802" in text or "Andreby" in text or url.endswith(".json"), url
        for secret in secrets:
            assert secret not in text, f"{url} shows {secret!r}"
        # A's number as a number, not as digits inside a timestamp ("…759801Z").
        assert not re.search(r"(?<![\d.])9801(?!\d)", text), f"{url} shows A's municipality number"
        # The same exports of A are not B's: 404, as every page of A.
        assert client.get(url.replace("9802", "9801")).status_code == 404


def _b_recipients(cast):
    """Everyone of municipality B a message could wrongly go to, reachable by e-mail and SMS."""
    from oppfolging.notifications.services import Recipient
    from oppfolging.people.models import RelatedPerson

    stranger = cast.stranger
    stranger.email, stranger.phone, stranger.notify_email, stranger.notify_sms = (
        "frank@example.invalid", "+4799999991", True, True)
    stranger.save()
    other = cast.other_person
    other.email, other.phone, other.notify_email, other.notify_sms = "otto@example.invalid", "+4799999992", True, True
    other.save()
    guardian = RelatedPerson.objects.create(
        person=other, given_name="Gro", family_name="Annen", relationship="other", is_guardian=True,
        email="gro@example.invalid", phone="+4799999993", notify_email=True, notify_sms=True)
    return {"staff": Recipient(user=stranger), "person": Recipient(person=other),
            "next_of_kin": Recipient(related=guardian)}


@pytest.mark.parametrize("recipient_kind", ["staff", "person", "next_of_kin"])
def test_no_kind_of_message_about_a_person_of_a_reaches_anyone_of_b(cast, deliver, recipient_kind):
    """Every kind of notification (e-mail, SMS, the invitation's .ics), checked at send time (#12.2).

    Whatever produced it (agenda, invitation, task and overdue reminders, decisions, portal
    messages), every message goes out through one delivery, which asks the access policy again.
    A control sent to A's coordinating unit proves the same messages do go out.
    """
    from django.core import mail

    from oppfolging.meetings.services import _calendar
    from oppfolging.notifications.models import Kind
    from oppfolging.notifications.services import Recipient, notify
    from oppfolging.notifications.sms import MemoryBackend

    MemoryBackend.outbox.clear()
    recipient = _b_recipients(cast)[recipient_kind]
    cast.cu.email, cast.cu.notify_email = "cu@example.invalid", True
    cast.cu.save()
    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    import datetime as dt
    meeting = Meeting.objects.create(team=team, starts_at=dt.datetime(2030, 1, 1, 10, tzinfo=dt.UTC),
                                     location="Helsehuset, rom 2", created_by=cast.cu)
    for kind in Kind.values:
        for who, key in ((recipient, "b"), (Recipient(user=cast.cu), "a")):
            calendar = _calendar(meeting, who, "/x/", cancel=kind == "meeting_cancelled") if kind.startswith(
                "meeting_") else ""
            notify(kind=kind, key=f"{kind}:{key}", recipient=who, person=cast.person, url="/x/", calendar=calendar)
    deliver()

    b_addresses = {"frank@example.invalid", "otto@example.invalid", "gro@example.invalid"}
    assert [m for m in mail.outbox if b_addresses & set(m.to)] == []
    assert [s for s in MemoryBackend.outbox if "9999999" in str(s)] == []
    refused = Delivery.objects.exclude(notification__recipient_user=cast.cu)
    assert refused.count() == 2 * len(Kind.values)  # e-mail and SMS of every kind, none sent
    assert set(refused.values_list("status", flat=True)) == {"refused"}
    sent_to_a = [m for m in mail.outbox if m.to == ["cu@example.invalid"]]
    assert len(sent_to_a) == len(Kind.values)
    assert sum(bool(m.attachments) for m in sent_to_a) == 3  # the invitations carry the .ics
    from oppfolging.audit.models import AuditEvent
    assert AuditEvent.objects.filter(resource="notification", purpose__startswith="Varsel ikke sendt").count() == \
        2 * len(Kind.values)


def test_no_message_of_a_without_a_person_reaches_a_user_of_b(cast, deliver):
    """Messages about A's work queue (a report assigned, an idle plan) go to A's staff only."""
    from django.core import mail

    from oppfolging.notifications.models import Kind
    from oppfolging.notifications.services import notify

    recipient = _b_recipients(cast)["staff"]
    for kind in (Kind.REFERRAL_ASSIGNED, Kind.IDLE_PLAN, Kind.MEDICAL_REQUEST, Kind.CHILD_COORDINATOR):
        notify(kind=kind, key=kind, recipient=recipient, person=None, municipality=cast.municipality)
    deliver()
    assert [m for m in mail.outbox if "frank@example.invalid" in m.to] == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"refused"}


def test_reminders_of_tasks_coming_due_in_a_reach_nobody_of_b(cast, deliver):
    """The calendar's task reminders (action items and measures) and the overdue reminders."""
    import datetime as dt

    from django.core import mail
    from django.utils import timezone

    from oppfolging.calendars.tasks import tasks_remind_due
    from oppfolging.meetings.tasks import run_meeting_jobs

    _b_recipients(cast)
    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    TeamMembership.objects.create(team=team, user=cast.stranger, service=cast.other_service, added_by=cast.cu)
    Consent.objects.create(person=cast.person, scope="team_and_plan", given_by="person", method="paper")
    Consent.objects.create(person=cast.person, scope="share_with_service", service=cast.other_service,
                           given_by="person", method="paper")
    plan = IndividualPlan.objects.create(person=cast.person, team=team, created_by=cast.cu, status="active")
    goal = Goal.objects.create(plan=plan, text="Hemmelig mål", author_kind="person", next_evaluation_on="2030-01-01")
    today = timezone.localdate()
    Measure.objects.create(goal=goal, description="Hemmelig tiltak", responsible_user=cast.stranger,
                           ends_on=today + dt.timedelta(days=1))
    ActionItem.objects.create(team=team, description="Hemmelig oppgave", owner_user=cast.stranger,
                              created_by=cast.cu, due_on=today + dt.timedelta(days=1))
    ActionItem.objects.create(team=team, description="Hemmelig forfalt", owner_user=cast.stranger,
                              created_by=cast.cu, due_on=today - dt.timedelta(days=2))
    assert tasks_remind_due(today=today) == 2
    assert run_meeting_jobs()["action_item_reminders"] == 1
    deliver()
    assert [m for m in mail.outbox if "frank@example.invalid" in m.to] == []
    deliveries = Delivery.objects.filter(notification__recipient_user=cast.stranger)
    assert deliveries.count() == 6 and set(deliveries.values_list("status", flat=True)) == {"refused"}


def test_the_evaluators_and_bs_own_downloads_hold_no_person_of_a(cast, ids):
    """The evaluator's downloads span municipalities by design: aggregates only, never a person."""
    import io

    from openpyxl import load_workbook

    secrets = [cast.person.full_name, cast.person.identity_number, "Hemmelig mål", "Petra", "Lars Lege"]
    evaluator = cast.client_for(cast.evaluator)
    for url in ("/indikatorer/kommuner/indikatorer.csv", "/effekt/kommuner/effekt.csv",
                "/effekt/kommuner/effekt.xlsx"):
        response = evaluator.get(url)
        assert response.status_code == 200, url
        if url.endswith(".xlsx"):
            workbook = load_workbook(io.BytesIO(response.content))
            text = "\n".join(str(v) for sheet in workbook for row in sheet.iter_rows(values_only=True) for v in row)
        else:
            text = response.content.decode("utf-8-sig")
        for secret in secrets:
            assert secret not in text, f"{url} shows {secret!r}"
        # A leader or coordinating unit of B gets none of them.
        assert cast.client_for(cast.stranger).get(url).status_code in (403, 404), url
    # B's own person's plan PDF holds nothing of A.
    plan = IndividualPlan.objects.create(person=cast.other_person, created_by=cast.stranger)
    pdf = cast.client_for(cast.stranger).get(f"/plan/person/{cast.other_person.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf", plan
    for secret in secrets + [cast.municipality.name]:
        assert secret.encode() not in pdf.content
