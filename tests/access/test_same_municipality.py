"""Walk every URL pattern as someone of the person's own municipality who has no reason to see them.

tests/test_cross_municipality.py does this for users of another municipality. Here the attacker
is signed in in the same municipality and holds the ids of a person they do not serve:

- a team member of the same service who left the person's team yesterday, and whose emergency
  access ran out yesterday, and who serves another person now;
- a coordinator who coordinated the person until yesterday, and is another person's coordinator
  and GP now;
- a leader, who sees aggregates only;
- the other person in «Min plan», and that person's next of kin (accounts bound by ID-porten);
- the person's own next of kin, whose consent the person withdrew yesterday.

Every URL that takes an id of personal data must answer them 403 or 404, on GET and POST (with
the query and form ids the views read), and so must the same URLs with their own person's id
and the first person's other ids. No page may show the person. The FHIR API is walked with
tokens on their behalf. A refused request is no read and writes nothing, so the access log has
no entry of theirs about the person (docs/access.md, "In views"). A URL parameter this test does
not know fails it, so no view can be added unchecked.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from oppfolging.access.models import BreakGlassAccess
from oppfolging.accounts.models import Role, RoleAssignment, User
from oppfolging.audit.models import Action, AuditEvent
from oppfolging.calendars.services import calendar_feed_create
from oppfolging.catalogue.models import Sector, Service, ServicePrice
from oppfolging.documents.models import Document
from oppfolging.lib import identity
from oppfolging.meetings.models import ActionItem, Meeting
from oppfolging.notes.models import Note
from oppfolging.notifications.models import Notification
from oppfolging.people.models import Person, RelatedPerson, Relationship
from oppfolging.plans.models import Goal, IndividualPlan, Measure
from oppfolging.portal.models import CitizenAccount, Message, PsfsSelfScore
from oppfolging.referrals.models import Referral
from oppfolging.teams.models import Consent, CoordinatorAssignment, Team, TeamMembership

from ..conftest import PASSWORD, make_person
from ..test_cross_municipality import (  # noqa: F401 - ids and api_ids are fixtures
    PUBLIC_OR_SESSION_ONLY,
    _api_client,
    _token_client,
    api_ids,
    fill,
    ids,
    project_patterns,
    walk,
)

# URL parameters that name a person's data (or a user's own inbox, feed, letters and lists):
# someone without a reason gets 403 or 404 wherever one of them is in the URL.
PERSONAL = {
    "person_id", "related_id", "referral_id", "assessment_id", "medical_id", "membership_id",
    "consent_id", "assignment_id", "goal_id", "measure_id", "change_id", "note_id", "document_id",
    "meeting_id", "decision_id", "item_id", "proposal_id", "exclusion_id", "section_id", "list_id",
    "entry_id", "notification_id", "delivery_id", "access_id", "import_id", "token",
    "user_id",  # a staff member who leaves: the persons and reports they still hold
}
# Parameters of the municipality's own, non-personal records: its number, the service catalogue,
# the price table and the plan templates. Pages under them may answer anything but a server error,
# and must not show the person.
MUNICIPAL = {"number", "service_id", "price_id", "template_id"}
# The FHIR API's parameters, walked with tokens below.
API = {"resource_type", "resource_id"}
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass
class Attacker:
    label: str
    user: User
    own_person: Person | None  # a person they may see, for URLs that mix it with the first person's ids
    pid: str = ""  # the identity number a «Min plan» account is bound to
    hpr_number: str = ""
    # Ids of the person's records that name the attacker (a task, a notice), tried as well.
    theirs: dict[str, int] = field(default_factory=dict)


def _user(username: str, first: str, last: str) -> User:
    user = User.objects.create(username=username, first_name=first, last_name=last)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def world(cast, ids):  # noqa: F811
    """The first person (the cast's, with every record of `ids`) and another person, Siri, whom the
    attackers serve or are. Built once per test."""
    # The price table is the municipality's, not the person's: its basis is no secret here.
    ServicePrice.objects.filter(pk=ids["price_id"]).update(basis="Sats fra budsjettet")
    now = timezone.now()
    yesterday = now - dt.timedelta(days=1)
    team = Team.objects.get(person=cast.person)
    # The colleague's membership gives access: the control that the team is a real one.
    Consent.objects.create(person=cast.person, scope="share_with_service", service=cast.service,
                           given_by="person", method="paper")
    school = Service.objects.create(municipality=cast.municipality, name="Skolehelsetjenesten",
                                    sector=Sector.EDUCATION, description="Helsesykepleier.", how_to_get="Ring.")

    former = _user("tidligere", "Tina", "Tidligere")
    RoleAssignment.objects.create(user=former, role=Role.TEAM_MEMBER, municipality=cast.municipality,
                                  service=cast.service)
    TeamMembership.objects.create(team=team, user=former, service=cast.service, added_by=cast.cu,
                                  joined_on=dt.date(2020, 1, 1), left_on=timezone.localdate())
    BreakGlassAccess.objects.create(user=former, person=cast.person, reason="Akutt behov for opplysninger i helgen",
                                    created_at=yesterday - dt.timedelta(hours=4), expires_at=yesterday)
    former.hpr_number = "222222222"
    former.save()
    # What they were given while on the team stays theirs on paper, but not to see.
    their_item = ActionItem.objects.create(team=team, description="Hemmelig oppgave", due_on=timezone.localdate(),
                                           created_by=cast.cu, owner_user=former)
    their_notice = Notification.objects.create(key="former", kind="action_item", recipient_user=former,
                                               person=cast.person, municipality=cast.municipality,
                                               url=f"/mote/person/{cast.person.pk}/oppgaver/")
    Measure.objects.create(goal_id=ids["goal_id"], description="Hemmelig tiltak", responsible_user=former,
                           ends_on=timezone.localdate() + dt.timedelta(days=1))
    their_case = Referral.objects.create(
        municipality=cast.municipality, person=cast.person, subject_given_name="Petra", subject_family_name="Person",
        source="municipal_service", channel="in_app", reporter_name="Tina Tidligere", observations="Hemmelig mål",
        consent="given", deadline="2030-01-01", receipt_code="TIDLIGERE", assigned_to=former, status="decided")
    their_note = Note.objects.create(person=cast.person, plan_id=IndividualPlan.objects.get(person=cast.person).pk,
                                     text="Hemmelig mål", added_by=former)
    their_document = Document.objects.create(
        person=cast.person, title="Hemmelig mål", added_by=former, added_by_kind="professional",
        original_name="b.pdf", content_type="application/pdf", size=1, sha256="1" * 64, storage_key="9801/b.pdf")

    coordinator = _user("koordinator2", "Kåre", "Koordinator")
    for role in (Role.COORDINATOR, Role.GP):
        RoleAssignment.objects.create(user=coordinator, role=role, municipality=cast.municipality)
    their_period = CoordinatorAssignment.objects.create(
        team=team, coordinator=coordinator, appointed_by=cast.cu, started_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        ended_at=yesterday)
    coordinator.hpr_number = "333333333"
    coordinator.save()

    cast.leader.hpr_number = "444444444"
    cast.leader.save()

    siri = make_person(cast.municipality, given="Siri", family="Side", birth=dt.date(1985, 3, 4), individual=345,
                       gp=coordinator)
    siri_team = Team.objects.create(person=siri, created_by=cast.cu)
    CoordinatorAssignment.objects.create(team=siri_team, coordinator=coordinator, appointed_by=cast.cu)
    TeamMembership.objects.create(team=siri_team, user=former, service=school, added_by=cast.cu)
    kin_number = identity.make_synthetic(birth_date=dt.date(1955, 6, 7), individual=456)
    kin = RelatedPerson.objects.create(person=siri, given_name="Rune", family_name="Side",
                                       relationship=Relationship.PARENT, identity_number=kin_number)
    for scope, extra in (("team_and_plan", {}), ("share_with_service", {"service": school}),
                         ("next_of_kin", {"related_person": kin})):
        Consent.objects.create(person=siri, scope=scope, given_by="person", method="paper", **extra)
    plan = IndividualPlan.objects.create(person=siri, team=siri_team, created_by=cast.cu)
    Goal.objects.create(plan=plan, text="Sykle til skolen", author_kind="person", next_evaluation_on="2030-01-01")
    meeting = Meeting.objects.create(team=siri_team, starts_at="2030-02-01T10:00:00Z", created_by=cast.cu)
    ActionItem.objects.create(team=siri_team, meeting=meeting, description="Ringe skolen", due_on="2030-02-01",
                              created_by=cast.cu, owner_user=former)

    siri_user = _user("siri", "Siri", "Side")
    CitizenAccount.objects.create(user=siri_user, identity_number=siri.identity_number)
    kin_user = _user("rune", "Rune", "Side")
    CitizenAccount.objects.create(user=kin_user, identity_number=kin_number)

    # The person's own next of kin, whose consent the person withdrew yesterday.
    cast.next_of_kin.identity_number = identity.make_synthetic(birth_date=dt.date(1988, 8, 9), individual=567)
    cast.next_of_kin.save()
    Consent.objects.create(person=cast.person, scope="next_of_kin", related_person=cast.next_of_kin,
                           given_by="person", method="paper", given_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                           withdrawn_at=yesterday)
    withdrawn_user = _user("nils", "Nils", "Pårørende")
    CitizenAccount.objects.create(user=withdrawn_user, identity_number=cast.next_of_kin.identity_number)

    attackers = {
        "former_member": Attacker("a team member who left yesterday", former, siri, hpr_number="222222222",
                                  theirs={"item_id": their_item.pk, "notification_id": their_notice.pk,
                                          "referral_id": their_case.pk, "note_id": their_note.pk,
                                          "document_id": their_document.pk}),
        "former_coordinator": Attacker("a coordinator who left yesterday, another's GP", coordinator, siri,
                                       hpr_number="333333333", theirs={"assignment_id": their_period.pk}),
        "leader": Attacker("a leader", cast.leader, None, hpr_number="444444444"),
        "person": Attacker("another person in «Min plan»", siri_user, siri, pid=siri.identity_number),
        "next_of_kin": Attacker("another person's next of kin", kin_user, siri, pid=kin_number),
        "withdrawn_kin": Attacker("the person's next of kin after the consent was withdrawn", withdrawn_user, None,
                                  pid=cast.next_of_kin.identity_number),
    }
    return attackers


def _secrets(cast) -> list[str]:
    return [cast.person.full_name, cast.person.identity_number, cast.next_of_kin.full_name, "Hemmelig mål",
            "Hemmelig oppgave", "Hemmelig tiltak"]


def _parameters(route: str) -> set[str]:
    return set(PARAMETER.findall(route))


def _personal_routes() -> list[tuple[str, str]]:
    """The project's pages that take an id of personal data, as (name, route)."""
    return [(name, route) for name, _p, route in project_patterns()
            if name not in PUBLIC_OR_SESSION_ONLY and _parameters(route) & PERSONAL]


def test_it_knows_every_url_parameter():
    """A new URL parameter must be sorted into PERSONAL or MUNICIPAL before any view can use it."""
    public = {p for name, _p, route in walk(get_resolver()) if name in PUBLIC_OR_SESSION_ONLY
              for p in _parameters(route)}
    unknown = {}
    for name, _pattern, route in walk(get_resolver()):
        if name in PUBLIC_OR_SESSION_ONLY:
            continue
        rest = _parameters(route) - PERSONAL - MUNICIPAL - (API if name.startswith("fhir:") else set())
        if rest:
            unknown[name] = rest
    assert unknown == {}, f"URL parameters unknown to this test: {unknown}"
    assert public <= {"username", "code", "number", "token"}
    assert len(_personal_routes()) >= 100


ATTACKERS = ["former_member", "former_coordinator", "leader", "person", "next_of_kin", "withdrawn_kin"]


def _client(attacker: Attacker) -> Client:
    client = Client()
    client.force_login(attacker.user)
    return client


def _walk(client: Client, cast, known: dict[str, object], routes, method: str, *,
          own: Person | None = None, refused: bool = True) -> int:
    """Request every route; return how many were checked. With `own`, person_id is theirs.

    With `refused`, a route with an id of personal data must answer 403, 404 or 405.
    """
    query = {"person": cast.person.pk, "referral": known["referral_id"], "mal": known["goal_id"],
             "parent": known["goal_id"], "person_q": "Petra", "q": "Petra"}
    form = {"person": cast.person.pk, "referral": known["referral_id"], "delivery": known["delivery_id"],
            "goal": known["goal_id"], "related_person": cast.next_of_kin.pk}
    values = known if own is None else {**known, "person_id": own.pk}
    checked = 0
    for name, route in routes:
        url = fill(route, values)
        if method == "get":
            response = client.get(url, query)
        else:
            response = client.post(url, form, HTTP_HX_REQUEST="true")
        params = _parameters(route)
        body = response.content.decode(errors="replace")
        where = f"{method.upper()} {url} ({name})"
        if refused and params & PERSONAL:
            # 405 (wrong method) is decided before any lookup, so it reveals nothing either.
            assert response.status_code in (403, 404, 405), f"{where} gave {response.status_code}"
        else:
            assert response.status_code < 500, f"{where} gave {response.status_code}"
        for secret in _secrets(cast):
            assert secret not in body, f"{where} shows {secret!r}"
        checked += 1
    return checked


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("who", ATTACKERS)
def test_it_hides_the_person_from_someone_of_the_same_municipality_without_a_reason(cast, ids, world, who, method):  # noqa: F811
    attacker = world[who]
    assert attacker.user.role_assignments.filter(municipality=cast.municipality).exists() or attacker.pid
    client = _client(attacker)
    routes = [(name, route) for name, _p, route in project_patterns() if name not in PUBLIC_OR_SESSION_ONLY]
    assert _walk(client, cast, ids, routes, method) >= 150
    if attacker.theirs:
        named = [(name, route) for name, route in _personal_routes() if _parameters(route) & set(attacker.theirs)]
        assert _walk(client, cast, {**ids, **attacker.theirs}, named, method) >= 2

    if attacker.own_person is not None:
        # Their own person's id with the first person's records: every record is looked up under the grant.
        own = attacker.own_person
        before = AuditEvent.objects.filter(actor=attacker.user, person=own).count()
        mixed = [(name, route) for name, route in _personal_routes() if _parameters(route) - {"person_id"}
                 and "person_id" in _parameters(route)]
        assert _walk(client, cast, ids, mixed, method, own=own) >= 40
        assert AuditEvent.objects.filter(actor=attacker.user, person=own).count() == before, \
            "a refused request under their own person was logged as a read or a write"
    if attacker.own_person is not None and method == "get":
        # Their own person's pages, given the first person's ids in the query (a report to
        # link, a goal to note on, a person to pick): they may answer, but never with them. The
        # forms' choices are the grant's person's records (a POST with the first person's ids
        # would be a form error, tested by the forms and by test_service_conformance).
        own_pages = [(name, route) for name, route in _personal_routes() if _parameters(route) == {"person_id"}]
        assert _walk(client, cast, ids, own_pages, method, own=attacker.own_person, refused=False) >= 45

    # Their own calendar feed (ICS), read without a session.
    _feed, token = calendar_feed_create(user=attacker.user)
    feed = Client().get(f"/kalender/abonnement/{token}.ics")
    assert feed.status_code == 200 and b"BEGIN:VCALENDAR" in feed.content
    for secret in _secrets(cast) + ["Petra"]:
        assert secret not in feed.content.decode(), f"the calendar feed shows {secret!r}"

    # Refused is no read and no write: nothing of theirs about the person in the access log.
    assert list(AuditEvent.objects.filter(actor=attacker.user, person=cast.person)
                .values_list("action", "resource")) == []


def test_the_walk_meets_a_person_others_do_see(cast, ids, world):  # noqa: F811
    """The control: the same ids open the person for those who serve them, and each look is one read."""
    before = AuditEvent.objects.filter(person=cast.person, action=Action.READ).count()
    for user in (cast.cu, cast.colleague, cast.gp):
        response = _client_for(user).get(f"/personer/{cast.person.pk}/")
        assert response.status_code == 200 and cast.person.full_name in response.content.decode()
    assert AuditEvent.objects.filter(person=cast.person, action=Action.READ).count() == before + 3
    assert _client_for(cast.cu).get(f"/plan/person/{cast.person.pk}/").status_code == 200
    # Siri's people see her.
    siri = world["person"].own_person
    assert _client_for(world["former_member"].user).get(f"/personer/{siri.pk}/").status_code == 200
    assert _client_for(world["former_coordinator"].user).get(f"/plan/person/{siri.pk}/").status_code == 200
    for who in ("person", "next_of_kin"):
        response = _client_for(world[who].user).get(f"/min-plan/{siri.pk}/")
        assert response.status_code == 200 and "Sykle til skolen" in response.content.decode(), who


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# The FHIR API: the same attackers, with tokens on their behalf.

PERSON_TYPES = {"Patient", "RelatedPerson", "ServiceRequest", "Task", "CareTeam", "CarePlan", "Goal", "Consent",
                "Appointment", "QuestionnaireResponse", "Communication", "RiskAssessment", "AuditEvent"}
# The municipality's staff, units and services, its figures and the questionnaires: no person's data.
MUNICIPAL_TYPES = {"Practitioner", "PractitionerRole", "Organization", "HealthcareService", "MeasureReport",
                   "Questionnaire"}


def test_it_knows_every_api_resource_type():
    """A new FHIR resource type must be sorted into PERSON_TYPES (walked below) or MUNICIPAL_TYPES."""
    from oppfolging.fhir.resources import REGISTRY

    assert set(REGISTRY) == PERSON_TYPES | MUNICIPAL_TYPES


@pytest.mark.parametrize("who", ATTACKERS)
def test_the_api_hides_the_person_from_someone_of_the_same_municipality(cast, ids, api_ids, world, who,  # noqa: F811
                                                                       settings, tmp_path):
    settings.FHIR_DEV_ISSUER_KEY_FILE = str(tmp_path / "key.pem")
    _api_client("journal", cast.municipality, "user/*.*")
    attacker = world[who]
    client = _token_client(client_id="journal", hpr_number=attacker.hpr_number, pid=attacker.pid)
    assert client.get("/fhir/R4/Patient").status_code == 200
    label = attacker.label
    secrets = _secrets(cast)
    if "item_id" in attacker.theirs:  # their own task on the person
        api_ids = {**api_ids, "Task": [*api_ids["Task"], f"action-{attacker.theirs['item_id']}"]}
    for resource_type in PERSON_TYPES:
        for resource_id in api_ids[resource_type]:
            response = client.get(f"/fhir/R4/{resource_type}/{resource_id}")
            assert response.status_code == 404, f"{label}: {resource_type}/{resource_id} gave {response.status_code}"
        for query in ("", f"?patient={cast.person.pk}", f"?subject=Patient/{cast.person.pk}",
                      f"?_id={','.join(str(i) for i in api_ids[resource_type])}"):
            search = client.get(f"/fhir/R4/{resource_type}{query}")
            where = f"{label}: search {resource_type}{query}"
            assert search.status_code in (200, 400), f"{where} gave {search.status_code}"
            body = search.content.decode()
            if search.status_code == 200:
                found = {e["resource"]["id"] for e in search.json().get("entry", [])}
                assert not found & {str(i) for i in api_ids[resource_type]}, f"{where} shows the person's"
            for secret in secrets:
                assert secret not in body, f"{where} shows {secret!r}"

    # Writes: a message, a PSFS self-score, an action item done, a medical assessment answered.
    writes = [
        ("post", "/fhir/R4/Communication", {
            "resourceType": "Communication", "status": "completed",
            "subject": {"reference": f"Patient/{cast.person.pk}"}, "payload": [{"contentString": "Hei"}]}),
        ("post", "/fhir/R4/QuestionnaireResponse", {
            "resourceType": "QuestionnaireResponse", "status": "completed", "questionnaire": "Questionnaire/psfs",
            "subject": {"reference": f"Patient/{cast.person.pk}"},
            "item": [{"linkId": "activity", "item": [
                {"linkId": "activity.text", "answer": [{"valueString": "Gå"}]},
                {"linkId": "activity.score", "answer": [{"valueInteger": 3}]}]}]}),
        ("put", f"/fhir/R4/Task/action-{ids['item_id']}", {
            "resourceType": "Task", "id": f"action-{ids['item_id']}", "status": "completed", "intent": "order"}),
        ("put", f"/fhir/R4/Task/medical-{ids['medical_id']}", {
            "resourceType": "Task", "id": f"medical-{ids['medical_id']}", "status": "completed", "intent": "order",
            "output": [{"type": {"text": "Svar"}, "valueString": "Svar"}]}),
    ]
    messages, scores = Message.objects.count(), PsfsSelfScore.objects.count()
    for method, url, body in writes:
        response = getattr(client, method)(url, json.dumps(body), content_type="application/fhir+json",
                                           HTTP_IF_MATCH='W/"1"')
        assert response.status_code in (403, 404, 422), f"{label}: {method.upper()} {url} gave {response.status_code}"
    assert (Message.objects.count(), PsfsSelfScore.objects.count()) == (messages, scores)
    assert not ActionItem.objects.get(pk=ids["item_id"]).is_done
    assert list(AuditEvent.objects.filter(actor=attacker.user, person=cast.person)
                .values_list("action", "resource")) == []
