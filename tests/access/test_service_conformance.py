"""Every public service function checks its grant itself (issue 11).

The test finds every public function in every `oppfolging.<app>.services` module. Each must
either have a spec below, naming how it is called and which grants that lack the right must be
refused, or be listed as exempt with the reason it touches no personal data on anyone's behalf.
A new service without a spec fails `test_it_knows_every_public_service_function`; a service
that forgets its check fails `test_it_refuses_a_grant_without_the_right`.

The grants that lack a right, all built by the policy itself where it can:
- read_only: the person's GP (reads, never writes the record);
- not_serving: a colleague with emergency access (reads, never takes part);
- other_person: the coordinating unit's write grant to another person in the same municipality,
  called with this person's records;
- other_municipality: another municipality's coordinating unit, with its own person, called
  with this person's records;
- not_addressee / not_owner / not_responsible: a writer who is not the one a record names;
- staff_wrong_role / staff_other_municipality: a staff grant in the wrong role or municipality;
- staff_not_pricing: a coordinator's staff grant, for the price table that leaders keep;
- kin_on_consent: a next of kin who takes part on the person's consent but may not speak for them.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

import oppfolging
from oppfolging.access import policy
from oppfolging.access.grants import PersonGrant, PortalBasis, PortalGrant, StaffGrant
from oppfolging.access.models import BreakGlassAccess
from oppfolging.accounts.models import Role, RoleAssignment, User
from oppfolging.assessments.models import Assessment, Decision, MedicalAssessment
from oppfolging.audit.models import AuditEvent
from oppfolging.calendars.models import CalendarFeed
from oppfolging.catalogue.models import ServicePrice
from oppfolging.children.models import ParentExclusion
from oppfolging.demo.plantools import demo_pdf
from oppfolging.documents.models import Document
from oppfolging.gp.models import RiskEntry, RiskList
from oppfolging.meetings import services as meetings
from oppfolging.meetings.models import ActionItem, AgendaItem, Meeting, MeetingDecision
from oppfolging.notes.models import Note
from oppfolging.notifications.models import Delivery, Notification
from oppfolging.people.models import Person
from oppfolging.plans import services as plans
from oppfolging.plans.models import Goal, IndividualPlan, Measure
from oppfolging.plantemplates.models import PlanSection, PlanTemplate, TemplateVersion
from oppfolging.plantemplates.services import TemplateContent
from oppfolging.portal.models import GoalProposal
from oppfolging.referrals.models import Referral
from oppfolging.teams.models import (
    Consent,
    CoordinatorAssignment,
    CoordinatorProfile,
    Team,
    TeamMembership,
)

from ..conftest import Cast, make_person, make_user

# Functions that take no grant, each with why that is right.
EXEMPT = {
    "audit.services.audit_record": "the access log itself: called by every checked service",
    "audit.services.audit_grant": "the access log itself: logs under a grant already checked",
    "audit.services.audit_person_read": "the access log itself: logs a read the view's grant allowed",
    "audit.services.audit_read_when_answered": "the access log itself: writes a read entry once the view has answered",
    "audit.services.client_ip": "reads the request's address, no personal data",
    "audit.services.audit_client": "names the API client for the log entries written inside it; reads nothing",
    "audit.services.audit_sign_in_refused": "the access log itself: records a refused sign-in, before anyone is signed in; names no person",
    "accounts.services.sign_in_attempt_reserve": "sign-in throttling: counts a password check for a user name and address, before anyone is signed in",
    "accounts.services.sign_in_succeeded": "sign-in throttling: after the user's own sign-in",
    "notifications.services.notify": "the outbox: called by checked services; each delivery is checked against the policy again when it is sent",
    "notifications.services.notifications_done": "marks what waits about a record as handled, called by the checked service that handled it",
    "notifications.services.notifications_done_for_person": "marks the caller's own inbox items handled, called by a checked service",
    "notifications.services.notification_preferences_save": "the signed-in user's own settings; touches no one else",
    "accounts.services.user_language_save": "the signed-in user's own written standard; touches no one else",
    "people.services.parse_identity_number": "parses a number, touches no record",
    "meetings.services.rsvp_token": "signs the link an invitee answers with; reads nothing",
    "meetings.services.is_invitee": "tells whether an invitation is the grant holder's own; a predicate",
    "meetings.services.invitation_for_token": "finds the one invitation a signed link names, for its own page",
    "meetings.services.invitation_respond_by_token": "the signed link is the invitee's own grant: it answers only for that invitation",
    "gp.services.risk_lists_purge": "the retention job run by the system: deletes lists past the review period, reads nothing for anyone",
    "referrals.services.referral_create_public": "the public form: anyone may report a need; it writes to the unit's queue and reads nothing",
    "referrals.services.public_form_rate_limited": "counts reports from a hashed address, no personal data",
    "referrals.services.public_form_token_spend": "spends the public form's single-use token; no personal data",
    "portal.services.username_for": "derives an account's user name from a number; touches no record",
    "portal.services.citizen_account_sign_in": "ID-porten sign-in, before anyone is signed in: binds the account to the number the verified ID token vouches for",
    "people.services.portal_links_sync": "keeps the register's account links in step with the bound accounts; grants nothing (access follows the numbers)",
    "documents.services.refusal_message": "words why a file was refused; touches no record",
    "documents.services.too_large_message": "words the size limit; touches no record",
    "children.services.due_date_range": "the dates a due date may fall between; touches no record",
    "calendars.services.calendar_feed_create": "the signed-in user's own calendar subscription; touches no one else",
}


@dataclass
class World:
    """One person's records, all in municipality A, and the grants that may or may not touch them."""

    cast: Cast
    coordinator: User
    team: Team
    plan: IndividualPlan
    goal: Goal
    measure: Measure
    meeting: Meeting
    agenda_item: AgendaItem
    action_item: ActionItem
    decision: MeetingDecision
    membership: TeamMembership
    consent: Consent
    assessment: Assessment
    medical: MedicalAssessment
    proposal: GoalProposal
    referral: Referral
    emergency_user: User
    second_person: Person

    def grant(self, user: User, person: Person | None = None) -> PersonGrant:
        user._role_assignments_cache = None  # type: ignore[attr-defined]
        grant = policy.person_grant(user=user, person=person or self.cast.person)
        assert grant is not None
        return grant

    @property
    def writer(self) -> PersonGrant:
        return self.grant(self.cast.cu)

    @property
    def unit(self) -> StaffGrant:
        return StaffGrant(self.cast.cu, self.cast.municipality, frozenset({Role.COORDINATING_UNIT}))

    def bad(self, name: str) -> Any:
        cast = self.cast
        if name == "read_only":
            return self.grant(cast.gp)
        if name == "not_serving":
            return self.grant(self.emergency_user)
        if name == "other_person":
            return self.grant(cast.cu, self.second_person)
        if name == "not_outgoing":
            _handover(self)
            return self.grant(self.coordinator_two)
        if name == "not_incoming":
            return self.writer
        if name == "not_invitee":
            return self.writer
        if name == "not_addressee":
            return self.writer
        if name in ("not_owner", "not_responsible"):
            return self.writer_not_named
        if name == "other_municipality":
            return self.grant(cast.stranger, cast.other_person)
        if name == "staff_wrong_role":
            return StaffGrant(cast.leader, cast.municipality, frozenset({Role.LEADER}))
        if name == "staff_not_pricing":
            return StaffGrant(self.coordinator, cast.municipality, frozenset({Role.COORDINATOR}))
        if name == "staff_other_municipality":
            return StaffGrant(cast.stranger, cast.other_municipality, frozenset({Role.COORDINATING_UNIT}))
        if name == "other_user":
            return cast.colleague
        if name == "kin_on_consent":
            return PortalGrant(cast.person, PortalBasis.CONSENT, cast.next_of_kin, self.kin_user)
        if name == "not_unit":
            return self.grant(self.coordinator)
        if name == "not_coordinating":
            return self.grant(cast.colleague)  # a member of the team, neither its coordinator nor the unit
        raise AssertionError(name)

    @property
    def writer_not_named(self) -> PersonGrant:
        """A team member with a read grant who is not the one the record names."""
        return self.grant(self.cast.colleague)

    @property
    def coordinator_two(self) -> User:
        user, _created = User.objects.get_or_create(username="koordinator2", defaults={"first_name": "Kim"})
        RoleAssignment.objects.get_or_create(user=user, role=Role.COORDINATOR, municipality=self.cast.municipality)
        return user

    @property
    def kin_user(self) -> User:
        return User.objects.get(username="kin")

    @property
    def self_portal(self) -> PortalGrant:
        return PortalGrant(self.cast.person, PortalBasis.SELF, None, self.cast.person.user)


def _price(w: World) -> ServicePrice:
    return ServicePrice.objects.create(municipality=w.cast.municipality, service="Hjemmesykepleien", unit="hour",
                                       valid_from=2024, amount=800, created_by=w.cast.leader)


@pytest.fixture
def world(cast: Cast) -> World:
    today = timezone.localdate()
    coordinator = make_user("koordinator", "Kai", "Koordinator")
    RoleAssignment.objects.create(user=coordinator, role=Role.COORDINATOR, municipality=cast.municipality)
    CoordinatorProfile.objects.create(user=coordinator, municipality=cast.municipality)
    emergency_user = make_user("nod", "Nora", "Nød")
    RoleAssignment.objects.create(user=emergency_user, role=Role.TEAM_MEMBER, municipality=cast.municipality,
                                  service=cast.service)
    BreakGlassAccess.objects.create(user=emergency_user, person=cast.person, reason="Akutt innleggelse i natt",
                                    expires_at=timezone.now() + dt.timedelta(hours=4))
    person_user = make_user("petra", "Petra", "Person")
    cast.person.user = person_user
    cast.person.save()
    cast.next_of_kin.user = make_user("kin", "Nils", "Person")
    cast.next_of_kin.save()
    Decision.objects.create(person=cast.person, outcome="team_with_plan", reason="Mange tjenester.",
                            decided_by=cast.cu)
    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    CoordinatorAssignment.objects.create(team=team, coordinator=coordinator, appointed_by=cast.cu)
    for scope, extra in (("team_and_plan", {}), ("share_with_service", {"service": cast.service})):
        Consent.objects.create(person=cast.person, scope=scope, given_by="person", method="paper", **extra)
    consent = Consent.objects.create(person=cast.person, scope="next_of_kin", related_person=cast.next_of_kin,
                                     given_by="person", method="verbal")
    membership = TeamMembership.objects.create(team=team, user=cast.colleague, service=cast.service,
                                               role_in_team="Ergoterapeut", added_by=cast.cu)
    plan = IndividualPlan.objects.create(person=cast.person, team=team, created_by=cast.cu)
    goal = Goal.objects.create(plan=plan, text="Gå tur med hunden", author_kind="person",
                               next_evaluation_on=today + dt.timedelta(days=1))
    measure = Measure.objects.create(goal=goal, description="Følge på tur", responsible_service=cast.service)
    meeting = Meeting.objects.create(team=team, starts_at=timezone.now() + dt.timedelta(days=3),
                                     location="Rådhuset", created_by=cast.cu)
    agenda_item = AgendaItem.objects.create(meeting=meeting, title="Transport", position=0)
    action_item = ActionItem.objects.create(team=team, description="Søke støttekontakt", owner_user=coordinator,
                                            due_on=today - dt.timedelta(days=1), created_by=cast.cu)
    decision = MeetingDecision.objects.create(meeting=meeting, text="Søke BPA", recorded_by=cast.cu)
    assessment = Assessment.objects.create(person=cast.person, created_by=cast.cu)
    medical = MedicalAssessment.objects.create(assessment=assessment, gp=cast.gp, question="Vurder hjertet",
                                               requested_by=cast.cu)
    proposal = GoalProposal.objects.create(person=cast.person, text="Lage middag selv", proposed_by_kind="person")
    referral = Referral.objects.create(
        municipality=cast.municipality, person=cast.person, subject_given_name="Petra",
        subject_family_name="Person", source="other", channel="in_app", observations="Trenger hjelp",
        deadline=today + dt.timedelta(days=14), receipt_code="TESTKODE",
    )
    second_person = make_person(cast.municipality, given="Siri", family="Sekund", birth=dt.date(1950, 2, 3),
                                individual=345)
    return World(cast, coordinator, team, plan, goal, measure, meeting, agenda_item, action_item, decision,
                 membership, consent, assessment, medical, proposal, referral, emergency_user, second_person)


PERSON_BAD = ("read_only", "other_person", "other_municipality")
SERVE_BAD = ("not_serving", "other_person", "other_municipality")
STAFF_BAD = ("staff_wrong_role", "staff_other_municipality")


@dataclass(frozen=True)
class Spec:
    call: Callable[[Any, World, Any], object]
    refused: tuple[str, ...]


def spec(refused: tuple[str, ...]) -> Callable[[Callable[[Any, World, Any], object]], Spec]:
    def wrap(call: Callable[[Any, World, Any], object]) -> Spec:
        return Spec(call, refused)
    return wrap


def _in_days(days: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


SPECS: dict[str, Spec] = {
    # access
    "access.services.break_glass_open": spec(STAFF_BAD)(
        lambda f, w, g: f(grant=g, person=w.cast.person, reason="Akutt innleggelse, trenger medisinliste")),
    "access.services.break_glass_review": spec(STAFF_BAD)(
        lambda f, w, g: f(grant=g, access=BreakGlassAccess.objects.get(user=w.emergency_user), note="Ok")),
    # accounts
    "accounts.services.staff_user_create": spec(STAFF_BAD)(
        lambda f, w, g: f(grant=g, username="ny", first_name="Ny", last_name="Ansatt", email="", title="",
                          role=Role.TEAM_MEMBER, service=None)),
    "accounts.services.municipality_settings_save": spec(STAFF_BAD)(
        lambda f, w, g: f(grant=g, referral_deadline_days=10, contact_email="",
                          expected_version=g.municipality.version)),
    # assessments
    "assessments.services.assessment_start": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, referral=w.referral)),
    "assessments.services.assessment_update": spec(("not_serving", "other_person", "other_municipality"))(
        lambda f, w, g: f(grant=g, assessment=w.assessment, expected_version=w.assessment.version,
                          participants=[], iplos_scores={}, psfs_activities=[])),
    "assessments.services.assessment_complete": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, assessment=w.assessment)),
    "assessments.services.medical_assessment_request": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, assessment=w.assessment, gp=w.cast.gp, question="Vurder")),
    "assessments.services.medical_assessment_answer": spec(("not_addressee", "other_person", "other_municipality"))(
        lambda f, w, g: f(grant=g, medical=w.medical, answer="Stabil")),
    "assessments.services.decision_record": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, outcome="team", reason="Trenger team", referral=w.referral)),
    # catalogue
    "catalogue.services.service_create": spec(("staff_wrong_role",))(
        lambda f, w, g: f(grant=g, name="Ny tjeneste", sector="health_and_care", description="Hjelp")),
    "catalogue.services.service_update": spec(STAFF_BAD)(
        lambda f, w, g: f(grant=g, service=w.cast.service, expected_version=w.cast.service.version,
                          name="Hjemmesykepleien")),
    "catalogue.services.price_create": spec(("staff_not_pricing",))(
        lambda f, w, g: f(grant=g, service="Hjemmesykepleien", unit="hour", valid_from=2024, amount=800)),
    "catalogue.services.price_update": spec(("staff_not_pricing", "staff_other_municipality"))(
        lambda f, w, g: f(grant=g, price=_price(w), expected_version=1, amount=900)),
    # gp
    "gp.services.risk_list_upload": spec(STAFF_BAD)(
        lambda f, w, g: f(grant=g, extract=SimpleUploadedFile("u.zip", b"PK"), previous=None, keep_files=False)),
    "gp.services.entry_review": spec(("staff_wrong_role", "staff_other_municipality"))(
        lambda f, w, g: f(grant=g, entry=_risk_entry(w), decision="not_relevant")),
    "gp.services.entry_refer": spec(("staff_wrong_role", "staff_other_municipality"))(
        lambda f, w, g: f(grant=g, entry=_risk_entry(w), subject_given_name="Petra", subject_family_name="P",
                          observations="Høy risiko", urgency="normal", consent="given")),
    "gp.services.risk_list_authorise": spec(("staff_wrong_role", "staff_other_municipality"))(
        lambda f, w, g: f(grant=g, risk_list=_risk_entry(w).risk_list, users=[])),
    # outcomes (another municipality's unit imports into its own register: nothing of ours is touched)
    "outcomes.services.outcome_import": spec(("staff_wrong_role",))(
        lambda f, w, g: f(grant=g, kind="admissions_csv", file_name="innleggelser.csv",
                          data=f"national_id,admitted,discharged,acute\n{w.cast.person.identity_number},"
                               "2024-03-01,2024-03-04,true\n".encode())),
    # meetings
    "meetings.services.invitation_sync": spec(PERSON_BAD)(lambda f, w, g: f(grant=g, meeting=w.meeting)),
    "meetings.services.meeting_schedule": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, team=w.team, starts_at=_in_days(5), location="Rådhuset")),
    "meetings.services.meeting_update": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, meeting=w.meeting, starts_at=_in_days(6), location="Rådhuset",
                          expected_version=w.meeting.version)),
    "meetings.services.meeting_cancel": spec(PERSON_BAD)(lambda f, w, g: f(grant=g, meeting=w.meeting)),
    "meetings.services.agenda_build": spec(PERSON_BAD)(lambda f, w, g: f(grant=g, meeting=w.meeting)),
    "meetings.services.agenda_item_add": spec(SERVE_BAD)(
        lambda f, w, g: f(grant=g, meeting=w.meeting, title="Ny sak")),
    "meetings.services.agenda_item_update": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, item=w.agenda_item, title="Endret", expected_version=w.agenda_item.version)),
    "meetings.services.agenda_item_move": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, item=w.agenda_item, direction="down")),
    "meetings.services.agenda_send": spec(PERSON_BAD)(lambda f, w, g: f(grant=g, meeting=w.meeting)),
    "meetings.services.attendance_record": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, meeting=w.meeting, attendance={})),
    "meetings.services.minutes_save": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, meeting=w.meeting, minutes="Referat", expected_version=w.meeting.version)),
    "meetings.services.decision_add": spec(PERSON_BAD)(lambda f, w, g: f(grant=g, meeting=w.meeting, text="Ja")),
    "meetings.services.invitation_respond": spec(("not_invitee", "other_person", "other_municipality"))(
        lambda f, w, g: f(grant=g, invitation=_invitation(w), response="coming")),
    "meetings.services.meetings_follow_coordinator": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, team=w.team, since=timezone.now())),
    "meetings.services.action_items_hand_over": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, membership=w.membership)),
    "meetings.services.action_items_follow_coordinator": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, team=w.team, outgoing=w.coordinator, incoming=w.cast.colleague)),
    "meetings.services.meetings_follow_team": spec(PERSON_BAD)(lambda f, w, g: f(grant=g, team=w.team)),
    "meetings.services.decision_withdraw": spec(PERSON_BAD)(lambda f, w, g: f(grant=g, decision=w.decision)),
    "meetings.services.meeting_record_held": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, team=w.team, starts_at=_in_days(-2), location="Rådhuset")),
    "meetings.services.action_item_add": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, team=w.team, description="Ring NAV", due_on=timezone.localdate(),
                          owner_user=w.coordinator)),
    "meetings.services.action_item_done": spec(("not_owner", "other_person", "other_municipality"))(
        lambda f, w, g: f(grant=g, item=w.action_item)),
    "meetings.services.action_item_reopen": spec(("not_owner", "other_person", "other_municipality"))(
        lambda f, w, g: f(grant=g, item=w.action_item)),
    "meetings.services.team_meeting_interval_set": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, team=w.team, weeks=6, expected_version=w.team.version)),
    "meetings.services.action_item_remind": spec(("other_person", "other_municipality"))(
        lambda f, w, g: f(grant=g, item=w.action_item)),
    # notifications: a user's own inbox
    "notifications.services.notification_open": spec(("other_user",))(
        lambda f, w, g: f(user=g, notification=_inbox_item(w))),
    "notifications.services.notification_mark_done": spec(("other_user",))(
        lambda f, w, g: f(user=g, notification=_inbox_item(w))),
    "notifications.services.delivery_printed": spec(STAFF_BAD)(
        lambda f, w, g: f(grant=g, delivery=_letter(w))),
    "notifications.services.delivery_retry": spec(STAFF_BAD)(
        lambda f, w, g: f(grant=g, delivery=_letter(w, status="failed"))),
    # people
    "people.services.person_create": spec(("staff_wrong_role",))(
        lambda f, w, g: f(grant=g, given_name="Ny", family_name="Person", identity_number="",
                          birth_date=dt.date(1990, 1, 1), gender="female")),
    "people.services.person_update": spec(("read_only",))(
        lambda f, w, g: f(grant=g, expected_version=g.person.version, phone="99999999")),
    "people.services.related_person_create": spec(("read_only",))(
        lambda f, w, g: f(grant=g, given_name="Ny", family_name="Pårørende", relationship="friend")),
    "people.services.related_person_update": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, related=w.cast.next_of_kin, expected_version=w.cast.next_of_kin.version,
                          phone="1")),
    "people.services.related_person_delete": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, related=w.cast.next_of_kin)),
    # plans
    "plans.services.plan_create": spec(PERSON_BAD)(lambda f, w, g: f(grant=g, team=w.team)),
    "plans.services.plan_update": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, plan=w.plan, expected_version=w.plan.version, needs="Mer hjelp")),
    "plans.services.goal_create": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, plan=w.plan, text="Nytt mål", author_kind="person",
                          next_evaluation_on=timezone.localdate() + dt.timedelta(days=30))),
    "plans.services.goal_update": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, goal=w.goal, expected_version=w.goal.version, text="Endret")),
    "plans.services.measure_create": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, goal=w.goal, description="Nytt tiltak", responsible_service=w.cast.service)),
    "plans.services.measure_update": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, measure=w.measure, expected_version=w.measure.version, extent="Ukentlig")),
    "plans.services.measure_report": spec(("not_responsible", "other_person", "other_municipality"))(
        lambda f, w, g: f(grant=g, measure=w.measure, status="started", expected_version=w.measure.version)),
    "plans.services.goal_evaluate": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, goal=w.goal, result="partly", learned="Noe", next_step="close")),
    "plans.services.plan_close": spec(PERSON_BAD)(lambda f, w, g: f(grant=g, plan=w.plan, reason="Flyttet")),
    # portal
    "portal.services.what_matters_save": spec(("kin_on_consent",))(lambda f, w, g: f(grant=g, text="Familien", expected_version=w.plan.version)),
    # The person and every next of kin who takes part may propose a goal in their own words, for
    # the grant's own person only: there is no grant to refuse and no record to mismatch.
    "portal.services.goal_propose": spec(())(lambda f, w, g: f(grant=g, text="Ny jobb")),
    # The person and every next of kin choose how they themselves are told; each writes only
    # their own record, found from the grant: there is no grant to refuse and no record to mismatch.
    "portal.services.notice_channels_save": spec(())(
        lambda f, w, g: f(grant=g, notify_email=True, email="a@example.invalid", notify_sms=False, phone="",
                          expected_version=(g.person if g.is_self else g.related_person).version)),
    "portal.services.goal_proposal_accept": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, proposal=w.proposal, next_evaluation_on=timezone.localdate() + dt.timedelta(days=9))),
    "portal.services.goal_proposal_decline": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, proposal=w.proposal, reply="Ikke nå")),
    "portal.services.psfs_self_score": spec(("kin_on_consent",))(lambda f, w, g: f(grant=g, scores={"Gå tur": 5})),
    "portal.services.coordinator_wish_state": spec(("kin_on_consent",))(
        lambda f, w, g: f(grant=g, text="Kari fra hjemmesykepleien")),
    "portal.services.message_send": spec(("not_serving",))(lambda f, w, g: f(grant=g, body="Hei")),
    "portal.services.messages_mark_read": spec(("not_serving",))(lambda f, w, g: f(grant=g)),
    # plan tools (issue 18): documents, log notes, templates, calendar, children
    "documents.services.document_upload": spec(SERVE_BAD)(
        lambda f, w, g: f(grant=g, upload=SimpleUploadedFile("a.pdf", demo_pdf("A"), "application/pdf"), title="A",
                          consent=w.consent)),
    "documents.services.document_visibility_set": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, document=_document(w), visibility="staff", expected_version=1)),
    "documents.services.document_withdraw": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, document=_document(w), reason="Feil person")),
    "documents.services.document_download": spec(("other_person", "other_municipality"))(
        lambda f, w, g: f(grant=g, document=_document(w))),
    "notes.services.note_add": spec(SERVE_BAD)(lambda f, w, g: f(grant=g, plan=w.plan, text="Snakket med skolen")),
    "notes.services.note_edit": spec(("not_owner", "other_person", "other_municipality"))(
        lambda f, w, g: f(grant=g, note=_note(w), text="Rettet", expected_version=1)),
    "plantemplates.services.template_create": spec(("staff_wrong_role",))(
        lambda f, w, g: f(grant=g, name="Ny mal", content=TemplateContent(sections=[("Hverdagen", "")]))),
    "plantemplates.services.template_revise": spec(STAFF_BAD)(
        lambda f, w, g: f(grant=g, template=_template(w).template, content=TemplateContent(sections=[("Ny", "")]))),
    "plantemplates.services.plan_start_from_template": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, version=_template(w), team=w.team)),
    "plantemplates.services.plan_section_update": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, section=PlanSection.objects.create(plan=w.plan, title="Skole"), text="Ny tekst",
                          expected_version=1)),
    "calendars.services.calendar_feed_revoke": spec(("other_user",))(
        lambda f, w, g: f(user=g, feed=CalendarFeed.objects.create(user=w.cast.cu, token_hash="x" * 64))),
    "children.services.child_coordinator_appoint": spec(("read_only", "not_unit"))(
        lambda f, w, g: f(grant=g, coordinator=w.coordinator, grounds="disability", reason="Trenger koordinator")),
    "children.services.child_coordinator_move_to_child": spec(("read_only", "not_unit"))(
        lambda f, w, g: f(grant=g, child_grant=g, grounds="disability", reason="Barnet er født")),
    "children.services.parent_exclude": spec(PERSON_BAD + ("not_unit",))(
        lambda f, w, g: f(grant=g, related=w.cast.next_of_kin, reason="Besøksforbud")),
    "children.services.parent_exclusion_lift": spec(PERSON_BAD + ("not_unit",))(
        lambda f, w, g: f(grant=g, exclusion=ParentExclusion.objects.create(
            person=w.cast.person, related_person=w.cast.next_of_kin, reason="Besøksforbud", decided_by=w.cast.cu),
            reason="Opphevet")),
    "children.services.parent_access_restrict": spec(("read_only", "not_serving", "kin_on_consent"))(
        lambda f, w, g: f(grant=g, reason="Vil ikke at foreldrene ser planen")),
    "children.services.parent_access_restriction_lift": spec(("read_only", "not_serving", "kin_on_consent"))(
        lambda f, w, g: f(grant=g)),
    "children.services.child_view_record": spec(("not_serving",))(
        lambda f, w, g: f(grant=g, words="Jeg liker å bade", how="conversation")),
    # referrals
    "referrals.services.referral_create": spec(STAFF_BAD)(
        lambda f, w, g: f(grant=g, person=w.cast.person, subject_given_name="Petra", subject_family_name="P",
                          source="municipal_service", observations="Trenger hjelp", urgency="normal",
                          consent="given", reporter_name="Kari")),
    "referrals.services.referral_assign": spec(STAFF_BAD)(
        lambda f, w, g: f(grant=g, referral=w.referral, assignee=None, expected_version=w.referral.version)),
    "referrals.services.referral_link_person": spec(STAFF_BAD)(
        lambda f, w, g: f(grant=g, referral=w.referral, person=w.cast.person)),
    "referrals.services.referral_register_person": spec(STAFF_BAD)(
        lambda f, w, g: f(grant=g, referral=w.referral, given_name="Astrid", family_name="Fjell",
                          birth_date=dt.date(1951, 3, 4))),
    "referrals.services.referral_set_deadline": spec(STAFF_BAD)(
        lambda f, w, g: f(grant=g, referral=w.referral, deadline=timezone.localdate(),
                          expected_version=w.referral.version)),
    "referrals.services.referral_close": spec(STAFF_BAD)(
        lambda f, w, g: f(grant=g, referral=w.referral, status="withdrawn", reason="Trukket av melder",
                          expected_version=w.referral.version)),
    # teams
    "teams.services.coordinator_profile_save": spec(STAFF_BAD)(
        lambda f, w, g: f(grant=g, user=w.coordinator, is_active=True, max_caseload=8, expected_version=1)),
    "teams.services.training_add": spec(STAFF_BAD)(
        lambda f, w, g: f(grant=g, user=w.coordinator, course="Koordinatorkurs", completed_on=timezone.localdate())),
    "teams.services.coordinator_wish_record": spec(("read_only",))(
        lambda f, w, g: f(grant=g, stated_by="person", text="Kari")),
    "teams.services.team_create": spec(("read_only",))(lambda f, w, g: f(grant=g)),
    "teams.services.coordinator_appoint": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, team=w.team, coordinator=w.cast.cu, handover_note="Overlevering")),
    "teams.services.membership_add": spec(PERSON_BAD)(
        lambda f, w, g: f(grant=g, team=w.team, service=w.cast.service, user=w.cast.gp)),
    "teams.services.membership_end": spec(PERSON_BAD)(lambda f, w, g: f(grant=g, membership=w.membership)),
    "teams.services.consent_record": spec(PERSON_BAD + ("kin_on_consent",))(
        lambda f, w, g: f(grant=g, scope="next_of_kin", given_by="person", method="verbal",
                          related_person=w.cast.next_of_kin)),
    "teams.services.handover_note_save": spec(("read_only", "not_outgoing", "other_person", "other_municipality"))(
        lambda f, w, g: f(grant=g, assignment=_handover(w), note="Status og avtaler", expected_version=1)),
    "teams.services.handover_acknowledge": spec(("not_incoming", "other_person", "other_municipality"))(
        lambda f, w, g: f(grant=g, assignment=_handover(w, note="Les dette"))),
    "teams.services.consent_withdraw": spec(PERSON_BAD + ("kin_on_consent",))(
        lambda f, w, g: f(grant=g, consent=w.consent)),
    "teams.services.team_close": spec(PERSON_BAD + ("not_coordinating",))(
        lambda f, w, g: f(grant=g, team=w.team, reason="Målene er nådd", close_plan=True,
                          expected_version=w.team.version)),
    "teams.services.team_reopen": spec(PERSON_BAD + ("not_coordinating",))(
        lambda f, w, g: f(grant=g, team=_closed(w.team))),
    "teams.services.staff_member_leave": spec(STAFF_BAD + ("staff_not_pricing",))(
        lambda f, w, g: f(grant=g, user=w.cast.colleague)),
}


def _closed(team: Team) -> Team:
    Team.objects.filter(pk=team.pk).update(status="closed", closed_at=timezone.now(), close_reason="Avsluttet")
    team.refresh_from_db()
    return team


def _handover(w: World, note: str = "") -> CoordinatorAssignment:
    """The unit hands the team from Kai to a second coordinator; Kai is the outgoing one."""
    incoming = CoordinatorAssignment.objects.filter(team=w.team, coordinator=w.coordinator_two).first()
    if incoming is None:
        CoordinatorAssignment.objects.filter(team=w.team).update(ended_at=timezone.now() + dt.timedelta(days=14))
        incoming = CoordinatorAssignment.objects.create(team=w.team, coordinator=w.coordinator_two,
                                                        appointed_by=w.cast.cu)
    if note:
        incoming.handover_note = note
        incoming.save(update_fields=["handover_note"])
    return incoming


def _invitation(w: World) -> Any:
    return w.meeting.invitations.create(kind="professional", user=w.coordinator, name="Kai Koordinator")


def _document(w: World) -> Document:
    return Document.objects.create(person=w.cast.person, title="Rapport", added_by=w.cast.cu,
                                   added_by_kind="professional", original_name="rapport.pdf",
                                   content_type="application/pdf", size=10, sha256="0" * 64,
                                   storage_key=f"9801/test-{Document.objects.count()}.pdf")


def _note(w: World) -> Note:
    return Note.objects.create(person=w.cast.person, plan=w.plan, text="Snakket med skolen", added_by=w.cast.cu)


def _template(w: World) -> TemplateVersion:
    template = PlanTemplate.objects.create(municipality=w.cast.municipality, name="Eldre som bor hjemme",
                                           created_by=w.cast.cu)
    return TemplateVersion.objects.create(template=template, number=1, created_by=w.cast.cu)


def _inbox_item(w: World) -> Notification:
    return Notification.objects.create(key="test", kind="message", recipient_user=w.cast.cu, person=w.cast.person)


def _letter(w: World, status: str = "to_print") -> Delivery:
    notification = Notification.objects.create(key=f"letter-{status}", kind="decision", recipient_person=w.cast.person,
                                               person=w.cast.person, municipality=w.cast.municipality)
    return Delivery.objects.create(notification=notification, channel="letter", address="Petra", status=status)


def _risk_entry(w: World) -> RiskEntry:
    risk_list = RiskList.objects.create(gp=w.cast.gp, municipality=w.cast.municipality, status="done")
    return RiskEntry.objects.create(risk_list=risk_list, patient_id="p1", risk=0.5, rank=1, new_priority=1)


def public_service_functions() -> dict[str, Callable[..., Any]]:
    """Return every public function defined in an `oppfolging.<app>.services` module."""
    found: dict[str, Callable[..., Any]] = {}
    for app in pkgutil.iter_modules(oppfolging.__path__):
        try:
            module = importlib.import_module(f"oppfolging.{app.name}.services")
        except ModuleNotFoundError:
            continue
        for name, obj in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and obj.__module__ == module.__name__:
                found[f"{app.name}.services.{name}"] = obj
    return found


def test_it_knows_every_public_service_function() -> None:
    found = set(public_service_functions())
    assert found - SPECS.keys() - EXEMPT.keys() == set(), "a service without a conformance spec"
    assert (SPECS.keys() | EXEMPT.keys()) - found == set(), "a spec for a service that does not exist"


CASES = [(name, bad) for name, s in sorted(SPECS.items()) for bad in s.refused]


@pytest.mark.parametrize(("name", "bad"), CASES, ids=[f"{n}-{b}" for n, b in CASES])
def test_it_refuses_a_grant_without_the_right(world: World, name: str, bad: str) -> None:
    function = public_service_functions()[name]
    grant = world.bad(bad)
    if isinstance(grant, PortalGrant) and "grant" in inspect.signature(function).parameters and not _takes_portal(function):
        grant = grant.as_person_grant()
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        SPECS[name].call(function, world, grant)
    assert AuditEvent.objects.count() == before, "a refused call must write nothing, not even to the log"


def _takes_portal(function: Callable[..., Any]) -> bool:
    annotation = str(inspect.signature(function).parameters["grant"].annotation)
    return "PortalGrant" in annotation


def test_it_lets_a_grant_with_the_right_through(world: World) -> None:
    """The specs are honest: the same call with the right grant is not refused."""
    plans.goal_update(grant=world.writer, goal=world.goal, expected_version=world.goal.version, text="Endret")
    meetings.action_item_done(grant=world.grant(world.coordinator), item=world.action_item)
    assert Goal.objects.get(pk=world.goal.pk).text == "Endret"
    assert ActionItem.objects.get(pk=world.action_item.pk).done_at is not None
