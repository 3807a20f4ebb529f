"""The one access policy: who may read or write what. Denies by default.

A professional sees a person only while serving them (tjenstlig behov, Normen): as the
coordinating unit of the person's municipality, as the person's current coordinator, as the
person's GP, as a team member from the day they join until the day they leave (and only while the
person's consent covers their service), as the case worker of an open report, as a participant
in an assessment in progress, or through a time-limited break-the-glass grant with a reason. Leaders and evaluators see aggregates, never a person.
Every rule is written once as a database filter, so the list a user sees and the single record
they may open can never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.access.grants import (
    BASIS_LABELS,
    CLINICAL_ROLES,
    PORTAL_BASIS_LABELS,
    Basis,
    PersonGrant,
    PortalBasis,
    PortalGrant,
    StaffGrant,
)
from oppfolging.access.models import BreakGlassAccess, Visibility
from oppfolging.accounts.models import Municipality, Role, RoleAssignment, User
from oppfolging.assessments.models import Assessment, AssessmentStatus
from oppfolging.children.models import ParentAccessRestriction, ParentExclusion
from oppfolging.gp.models import RiskList
from oppfolging.people.models import Person, RelatedPerson
from oppfolging.portal.models import CitizenAccount
from oppfolging.referrals.models import Referral
from oppfolging.referrals.models import Status as ReferralStatus
from oppfolging.teams.models import (
    Consent,
    ConsentScope,
    CoordinatorAssignment,
    MemberKind,
    TeamMembership,
    TeamStatus,
    coordinating_q,
)


def role_assignments(user: User | AnonymousUser) -> list[RoleAssignment]:
    """Return the user's role assignments, cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_role_assignments_cache", None)
    if cached is None:
        cached = list(user.role_assignments.select_related("municipality", "service"))
        user._role_assignments_cache = cached
    return cached


def municipalities_with_role(user: User, roles: Iterable[str]) -> list[int]:
    """Return the ids of municipalities where the user holds any of the roles."""
    wanted = set(roles)
    return sorted(
        {a.municipality_id for a in role_assignments(user) if a.role in wanted and a.municipality_id}
    )


def has_role(user: User, role: str, municipality: Municipality | int | None) -> bool:
    """Tell whether the user holds the role in the municipality."""
    municipality_id = municipality.pk if isinstance(municipality, Municipality) else municipality
    return any(
        a.role == role and a.municipality_id == municipality_id for a in role_assignments(user)
    )


def _assignment(user: User, role: str, municipality_id: int) -> RoleAssignment | None:
    for a in role_assignments(user):
        if a.role == role and a.municipality_id == municipality_id:
            return a
    return None


@dataclass(frozen=True)
class _Rule:
    basis: Basis
    role: Role
    can_write: bool
    condition: Callable[[User], Q]


def _coordinating_unit(user: User) -> Q:
    return Q(municipality_id__in=municipalities_with_role(user, [Role.COORDINATING_UNIT]))


def _gp(user: User) -> Q:
    return Q(gp=user, municipality_id__in=municipalities_with_role(user, [Role.GP]))


def _clinical_municipalities(user: User) -> Q:
    """Restrict a rule to municipalities where the user holds a role that meets persons."""
    return Q(municipality_id__in=municipalities_with_role(user, CLINICAL_ROLES))


# The rules that go through a person's teams, reports and assessments are written as semi-joins
# (`pk IN (SELECT person_id …)`), not as joins: a join gives a row per team, assignment, report
# and participant, which the list of persons then has to make distinct again, and every page
# that shows persons pays for that sort (docs/performance.md).


# The moment the rules hold at: now, except while the filter is compiled as a template
# (`_build_template`), when it is a marker that each request replaces with its own moment.
_template_moment: ContextVar[tuple[dt.datetime, dt.date] | None] = ContextVar("policy_template_moment",
                                                                               default=None)


def _now() -> dt.datetime:
    moment = _template_moment.get()
    return moment[0] if moment else timezone.now()


def _today() -> dt.date:
    moment = _template_moment.get()
    return moment[1] if moment else timezone.localdate()


def _coordinator(user: User) -> Q:
    coordinated = CoordinatorAssignment.objects.filter(
        coordinating_q(at=_now()), coordinator=user, team__status=TeamStatus.ACTIVE
    ).values("team__person_id")
    return Q(pk__in=coordinated) & _clinical_municipalities(user)


def memberships_giving_access(today: dt.date | None = None) -> QuerySet[TeamMembership]:
    """Return the professional team memberships that give access today, whoever holds them.

    A membership counts from the day the member joins until the day they leave, in an active
    team, and only while the person's consent to the team and to sharing with the member's
    service is in force (without consent there is no sharing).
    """
    today = today or timezone.localdate()
    consents = Consent.objects.active(today)
    return (
        TeamMembership.objects.filter(
            kind=MemberKind.PROFESSIONAL, team__status=TeamStatus.ACTIVE, joined_on__lte=today
        )
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
        .filter(
            Exists(consents.filter(person=OuterRef("team__person"), scope=ConsentScope.TEAM_AND_PLAN)),
            Exists(
                consents.filter(
                    person=OuterRef("team__person"),
                    scope=ConsentScope.SHARE_WITH_SERVICE,
                    service=OuterRef("service"),
                )
            ),
        )
    )


def active_memberships(user: User) -> QuerySet[TeamMembership]:
    """Return the user's professional team memberships that give access today."""
    return memberships_giving_access(_today()).filter(user=user)


def _team_member(user: User) -> Q:
    return Q(pk__in=active_memberships(user).values("team__person_id")) & _clinical_municipalities(user)


def _case_worker(user: User) -> Q:
    cases = Referral.objects.filter(
        assigned_to=user, status__in=[ReferralStatus.RECEIVED, ReferralStatus.IN_ASSESSMENT], person__isnull=False
    ).values("person_id")
    return Q(pk__in=cases) & _clinical_municipalities(user)


def _assessment(user: User) -> Q:
    taking_part = Assessment.objects.filter(
        participants__user=user, status=AssessmentStatus.IN_PROGRESS
    ).values("person_id")
    return Q(pk__in=taking_part) & _clinical_municipalities(user)


def _break_glass(user: User) -> Q:
    return Q(
        pk__in=BreakGlassAccess.objects.active(_now()).filter(user=user).values("person_id"),
        municipality_id__in=municipalities_with_role(user, CLINICAL_ROLES),
    )


# Ordered: the first rule that matches is the basis recorded in the audit log.
RULES: tuple[_Rule, ...] = (
    _Rule(Basis.COORDINATING_UNIT, Role.COORDINATING_UNIT, True, _coordinating_unit),
    _Rule(Basis.COORDINATOR, Role.COORDINATOR, True, _coordinator),
    _Rule(Basis.GP, Role.GP, False, _gp),
    _Rule(Basis.TEAM_MEMBER, Role.TEAM_MEMBER, False, _team_member),
    _Rule(Basis.CASE_WORKER, Role.COORDINATING_UNIT, False, _case_worker),
    _Rule(Basis.ASSESSMENT, Role.TEAM_MEMBER, False, _assessment),
    _Rule(Basis.BREAK_GLASS, Role.TEAM_MEMBER, False, _break_glass),
)


# The filter of the persons a user serves is built from seven rules with nested subqueries; a
# page asks for it several times (the menu's inbox count, the inbox, the tasks, the persons
# served), and building and compiling it was about a fifth of a start page's time and an eighth
# of a busy server's (docs/performance.md). So it is compiled as SQL and reused, never its answer:
# every use runs the SQL again, so a membership or consent changed a moment ago is seen.
#
# - Within one request (`request_scope`, set by the middleware) the SQL and its parameters are
#   kept per user, with or without a municipality (which narrows the outer query, not the
#   compiled filter: one build serves both).
# - Across requests, each process keeps the SQL with its parameters as a template per user and
#   role assignments: the SQL depends on nothing else (the rules read the user's id and the
#   municipalities of their roles; everything else is a subquery the database answers). The
#   moment is the one thing that changes: the rules read it only through `_now()` and `_today()`,
#   which give a marker while the template is built, so the parameters holding the marker are
#   known, and each request puts its own moment in their place.
#
# Outside a request (tasks, commands, tests calling services) nothing is kept.
_compiled_filters: ContextVar[dict[int, tuple[str, tuple[Any, ...]] | None] | None] = (
    ContextVar("compiled_visibility_filters", default=None)
)


@dataclass(frozen=True)
class _FilterTemplate:
    sql: str
    params: tuple[Any, ...]
    moments: tuple[int, ...]  # positions of parameters that held the moment of the build
    days: tuple[int, ...]  # positions of parameters that held the day of the build


# Per process; at most _TEMPLATES_KEPT users, then it starts afresh (a template is a few kB).
_templates: dict[tuple[Any, ...], _FilterTemplate | None] = {}
_TEMPLATES_KEPT = 4096


@contextmanager
def request_scope() -> Iterator[None]:
    """Let `persons_visible_to` compile its filter once for the duration of the block."""
    token = _compiled_filters.set({})
    try:
        yield
    finally:
        _compiled_filters.reset(token)


def _visible_persons(user: User, municipality: Municipality | None) -> QuerySet[Person]:
    condition = Q(pk__in=[])
    for rule in RULES:
        condition |= rule.condition(user)
    # No rule joins a multi-valued relation (each is a column test or a semi-join), so no person
    # comes twice and the list needs no DISTINCT.
    persons = Person.objects.filter(condition)
    if municipality is not None:
        persons = persons.filter(municipality=municipality)
    return persons


# Markers for the moment in a template: no real parameter holds them.
_MARK_MOMENT = dt.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC)
_MARK_DAY = dt.date(1901, 2, 3)


def _build_template(user: User) -> _FilterTemplate | None:
    """Compile the user's filter at the marker moment and note where the moment went.

    A rule that read the clock itself, not through `_now()`/`_today()`, would fix the moment of
    the build in the SQL; such a filter is refused as a template (ValueError), never kept.
    """
    ops = connection.ops
    token = _template_moment.set((_MARK_MOMENT, _MARK_DAY))
    before = timezone.now()
    try:
        sql, params = _visible_persons(user, None).values("pk").query.sql_with_params()
    except EmptyResultSet:  # no rule can match (e.g. a leader): no one, without a query
        return None
    finally:
        _template_moment.reset(token)
    moment, day = ops.adapt_datetimefield_value(_MARK_MOMENT), ops.adapt_datefield_value(_MARK_DAY)
    present = {str(d) for d in (timezone.localdate(before), timezone.localdate())}
    for p in params:
        if str(p)[:10] in present:
            raise ValueError(f"A rule of the access policy read the clock itself: {p!r} in its filter")
    return _FilterTemplate(
        sql, tuple(params),
        moments=tuple(i for i, p in enumerate(params) if p == moment),
        days=tuple(i for i, p in enumerate(params) if p == day),
    )


def _compiled_filter(user: User) -> tuple[str, tuple[Any, ...]] | None:
    """Return the user's filter as SQL and parameters for this moment, from the process's template."""
    key = (connection.vendor, user.pk, tuple(sorted(
        (a.role, a.municipality_id or 0, a.service_id or 0) for a in role_assignments(user))))
    if key not in _templates:
        if len(_templates) >= _TEMPLATES_KEPT:
            _templates.clear()
        _templates[key] = _build_template(user)
    template = _templates[key]
    if template is None:
        return None
    params = list(template.params)
    now = timezone.now()
    moment = connection.ops.adapt_datetimefield_value(now)
    day = connection.ops.adapt_datefield_value(timezone.localdate(now))
    for i in template.moments:
        params[i] = moment
    for i in template.days:
        params[i] = day
    return template.sql, tuple(params)


def persons_visible_to(*, user: User, municipality: Municipality | None = None) -> QuerySet[Person]:
    """Return the persons the user serves now, optionally in one municipality."""
    if not role_assignments(user):
        return Person.objects.none()
    compiled = _compiled_filters.get()
    if compiled is None:
        return _visible_persons(user, municipality)
    if user.pk not in compiled:
        compiled[user.pk] = _compiled_filter(user)
    sql_params = compiled[user.pk]
    if sql_params is None:
        return Person.objects.none()
    sql, params = sql_params
    persons = Person.objects.filter(pk__in=RawSQL(sql, params))
    if municipality is not None:
        persons = persons.filter(municipality=municipality)
    return persons


def coordinator_access_begins(*, user: User, person: Person) -> dt.datetime | None:
    """Return when a coordinator period set from a later date will let the user see the person.

    At a handover from a date the incoming coordinator sees the person from that date, not
    before (`_coordinator`); what waits on them meanwhile (the handover note, the meetings they
    are now invited to) waits until then. None when no such period is coming.
    """
    if not Person.objects.filter(_clinical_municipalities(user), pk=person.pk).exists():
        return None
    return (
        CoordinatorAssignment.objects.filter(
            team__person=person, team__status=TeamStatus.ACTIVE, coordinator=user, started_at__gt=timezone.now())
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")))
        .order_by("started_at").values_list("started_at", flat=True).first()
    )


def person_grant(*, user: User, person: Person) -> PersonGrant | None:
    """Return the user's grant to the person, or None when they have no reason to see them."""
    if not role_assignments(user):
        return None
    for rule in RULES:
        if not Person.objects.filter(rule.condition(user), pk=person.pk).exists():
            continue
        break_glass = None
        role: str = rule.role
        if rule.basis is Basis.BREAK_GLASS:
            break_glass = (
                BreakGlassAccess.objects.active().filter(user=user, person=person).first()
            )
            role = next(
                (a.role for a in role_assignments(user)
                 if a.municipality_id == person.municipality_id and a.role in CLINICAL_ROLES),
                role,
            )
        assignment = _assignment(user, role, person.municipality_id)
        if assignment is None:
            # Rule-derived grants (case worker, assessment, break-glass): record the role the
            # user actually holds there, so the log never claims a role they do not have.
            assignment = next(
                (a for a in role_assignments(user)
                 if a.municipality_id == person.municipality_id and a.role in CLINICAL_ROLES),
                None,
            )
            role = assignment.role if assignment else role
        unit = assignment.service.name if assignment and assignment.service else ""
        if rule.basis is Basis.TEAM_MEMBER:
            membership = (
                active_memberships(user).filter(team__person=person).select_related("service").first()
            )
            unit = membership.service.name if membership and membership.service else unit
        return PersonGrant(person, rule.basis, role, unit, rule.can_write, break_glass, user)
    return None


# Machine clients of the FHIR API (issue 15). A municipality's registered system, calling with a
# client-credentials token, sees the persons of that municipality and nothing else; it acts for
# no user, so every service that needs one refuses it. The API builds the grant from the token's
# client (oppfolging.fhir.access), with `can_write` only when a write scope allows it.


def persons_visible_to_system(*, municipality: Municipality | None) -> QuerySet[Person]:
    """Return the persons a municipality's own system may read: that municipality's only."""
    if municipality is None:
        return Person.objects.none()
    return Person.objects.filter(municipality=municipality)


def system_person_grant(
    *, municipality: Municipality | None, person: Person, client_name: str, can_write: bool
) -> PersonGrant | None:
    """Return a municipality system's grant to one person, or None for any other municipality."""
    if municipality is None or person.municipality_id != municipality.pk:
        return None
    return PersonGrant(person, Basis.SYSTEM_CLIENT, "system", client_name[:150], can_write)


# Resources that are not a person's data, still kept apart per municipality.


def staff_grant(*, user: User, municipality: Municipality | None) -> StaffGrant | None:
    """Return the user's standing in the municipality (the roles they hold there), or None."""
    if municipality is None:
        return None
    roles = frozenset(a.role for a in role_assignments(user) if a.municipality_id == municipality.pk)
    if not roles:
        return None
    return StaffGrant(user=user, municipality=municipality, roles=roles)


def can_use_municipality(user: User, municipality: Municipality | None) -> bool:
    """Tell whether the user works in the municipality in any role."""
    return municipality is not None and any(
        a.municipality_id == municipality.pk for a in role_assignments(user)
    )


def can_edit_catalogue(user: User, municipality: Municipality) -> bool:
    return has_role(user, Role.COORDINATING_UNIT, municipality) or has_role(
        user, Role.ADMINISTRATOR, municipality
    )


def can_edit_prices(user: User, municipality: Municipality) -> bool:
    """Tell whether the user keeps the municipality's price table (its leaders and the coordinating unit)."""
    return has_role(user, Role.LEADER, municipality) or has_role(user, Role.COORDINATING_UNIT, municipality)


def can_search_audit(user: User, municipality: Municipality) -> bool:
    return has_role(user, Role.COORDINATING_UNIT, municipality)


def can_see_sign_in_refusals(user: User, municipality: Municipality) -> bool:
    """Tell whether the user reads the refused sign-ins (the administrator and the log's readers)."""
    return has_role(user, Role.ADMINISTRATOR, municipality) or has_role(user, Role.COORDINATING_UNIT, municipality)


def can_create_person(user: User, municipality: Municipality) -> bool:
    return has_role(user, Role.COORDINATING_UNIT, municipality)


def can_break_glass(user: User, municipality: Municipality) -> bool:
    return any(has_role(user, role, municipality) for role in CLINICAL_ROLES)


def can_see_aggregates(user: User, municipality: Municipality) -> bool:
    return any(
        has_role(user, role, municipality)
        for role in (Role.LEADER, Role.COORDINATING_UNIT, Role.ADMINISTRATOR)
    )


def can_manage_staff(user: User, municipality: Municipality) -> bool:
    return has_role(user, Role.ADMINISTRATOR, municipality)


def is_evaluator(user: User) -> bool:
    return any(a.role == Role.EVALUATOR for a in role_assignments(user))


def referrals_visible_to(*, user: User, municipality: Municipality) -> QuerySet:
    """Return the reports of need the user may open: all for the coordinating unit, else own cases.

    A case worker reads a report only while it is open and theirs, as `_case_worker` gives them
    the person only while the report is open: once it is decided, declined or withdrawn, the
    service need is over (tjenstlig behov) and the report is the coordinating unit's alone.
    """
    if has_role(user, Role.COORDINATING_UNIT, municipality):
        return Referral.objects.filter(municipality=municipality)
    if not any(has_role(user, role, municipality) for role in CLINICAL_ROLES):
        return Referral.objects.none()
    return Referral.objects.filter(
        municipality=municipality, assigned_to=user, status__in=[ReferralStatus.RECEIVED, ReferralStatus.IN_ASSESSMENT]
    )


def can_triage(user: User, municipality: Municipality) -> bool:
    return has_role(user, Role.COORDINATING_UNIT, municipality)


def can_coordinate(user: User, municipality: Municipality) -> bool:
    """Tell whether the user may be appointed coordinator: they keep a work list of plans."""
    return has_role(user, Role.COORDINATOR, municipality)


def can_serve_in_teams(user: User, municipality: Municipality) -> bool:
    """Tell whether the user takes part in teams (coordinator or team member): their own tasks."""
    return has_role(user, Role.COORDINATOR, municipality) or has_role(user, Role.TEAM_MEMBER, municipality)


def can_list_persons(user: User, municipality: Municipality) -> bool:
    """Any role that meets persons may list the persons it serves."""
    return any(has_role(user, role, municipality) for role in CLINICAL_ROLES)


def can_see_municipality_overview(user: User, municipality: Municipality) -> bool:
    """Leaders and administrators see the municipality in figures, never a person."""
    return has_role(user, Role.LEADER, municipality) or has_role(user, Role.ADMINISTRATOR, municipality)


def can_report_need(user: User, municipality: Municipality) -> bool:
    """Any role that meets persons may report a need from inside the app."""
    return any(has_role(user, role, municipality) for role in CLINICAL_ROLES)


# The person's own part of the app («Min plan»): the person, and next of kin as far as a valid
# consent, a guardianship or parental responsibility for a child allows.


def portal_grants(*, user: User) -> list[PortalGrant]:
    """Return every person whose plan the user may see in «Min plan», with the basis for each.

    Cached on the user object, as the role assignments are: a request loads its user afresh,
    so a consent withdrawn or an exclusion recorded counts from the next request on.
    """
    if not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_portal_grants_cache", None)
    if cached is None:
        cached = _portal_grants(user)
        user._portal_grants_cache = cached
    return list(cached)


def citizen_number(user: User) -> str:
    """Return the identity number the user's «Min plan» account is bound to, or "".

    An account made by ID-porten sign-in is bound to the `pid` of the ID token
    (`portal.models.CitizenAccount`); the demo's and tests' accounts have no binding.
    """
    cached = getattr(user, "_citizen_number_cache", None)
    if cached is None:
        cached = CitizenAccount.objects.filter(user=user).values_list("identity_number", flat=True).first() or ""
        user._citizen_number_cache = cached
    return cached


def _portal_grants(user: User) -> list[PortalGrant]:
    """Derive the user's «Min plan» grants from the register, now.

    A bound account (ID-porten) is matched by its identity number alone: the person with that
    number, and every person who has a next of kin, guardian or parent with it. Links stored on
    the records (`Person.user`, `RelatedPerson.user`) count only for accounts without a binding
    (the demo's), so a number corrected by staff moves access at once, and a record added after
    the first sign-in is found without signing in again.
    """
    number = citizen_number(user)
    if number:
        persons = Person.objects.filter(identity_number=number)
        relateds = RelatedPerson.objects.filter(identity_number=number)
    else:
        persons = Person.objects.filter(user=user)
        relateds = RelatedPerson.objects.filter(user=user)
    grants = [PortalGrant(own, PortalBasis.SELF, user=user) for own in persons.select_related("municipality")]
    for related in relateds.select_related("person", "person__municipality"):
        basis = related_person_basis(related)
        if basis is not None:
            grants.append(PortalGrant(related.person, basis, related, user))
    return grants


def portal_account_q(prefix: str = "") -> Q:
    """Return the filter for next of kin (RelatedPerson) who have a «Min plan» account now.

    An account bound to their identity number, or (demo accounts without a binding) a link.
    """
    bound = CitizenAccount.objects.filter(user__is_active=True).values("identity_number")
    return Q(**{f"{prefix}identity_number__in": bound}) | Q(
        **{f"{prefix}user__isnull": False, f"{prefix}user__is_active": True,
           f"{prefix}user__citizen_account__isnull": True}
    )


def parents_restricted(person: Person) -> bool:
    """Tell whether a young person of 16 or 17 keeps their parents out now (pbrl. § 3-4).

    Under 16 the parents have access; from 18 parenthood gives none. In between, the young
    person decides: while their restriction is in force, no one sees their plan as a parent.
    """
    return person.age() in (16, 17) and ParentAccessRestriction.objects.active().filter(person=person).exists()


def related_person_basis(
    related: RelatedPerson, *, consented: set[int] | None = None, excluded: set[int] | None = None,
    restricted: bool | None = None,
) -> PortalBasis | None:
    """Return why a next of kin, guardian or parent may see the person's plan now, or None.

    A guardian of an adult; a parent or guardian of a child under 16, and of a young person of
    16 or 17 who has not restricted their parents' access (pasient- og brukerrettighetsloven
    § 3-4); anyone else only while the person's consent to their taking part is in force.
    Used for «Min plan» and for every message sent to a next of kin, whether or not they have
    signed in. ``consented``, ``excluded`` (ids of next of kin) and ``restricted`` save the
    queries when many are asked about at once.
    """
    person = related.person
    if excluded is not None:
        if related.pk in excluded:
            return None
    elif ParentExclusion.objects.active().filter(related_person=related).exists():
        # A parent the unit has excluded from a child's follow-up, with a recorded reason.
        return None
    if related.is_guardian and not person.is_child:
        return PortalBasis.GUARDIAN
    if person.is_child and (related.has_parental_responsibility or related.is_guardian):
        if not (parents_restricted(person) if restricted is None else restricted):
            return PortalBasis.PARENT
    if consented is not None:
        return PortalBasis.CONSENT if related.pk in consented else None
    if Consent.objects.active().filter(
        person=person, scope=ConsentScope.NEXT_OF_KIN, related_person=related
    ).exists():
        return PortalBasis.CONSENT
    return None


def related_person_bases(person: Person) -> dict[int, PortalBasis]:
    """Return, for each of the person's next of kin who may take part now, why; in three queries."""
    consented = set(Consent.objects.active().filter(
        person=person, scope=ConsentScope.NEXT_OF_KIN).values_list("related_person_id", flat=True))
    excluded = set(ParentExclusion.objects.active().filter(person=person).values_list("related_person_id", flat=True))
    restricted = parents_restricted(person)
    bases = {}
    for related in RelatedPerson.objects.filter(person=person):
        related.person = person
        basis = related_person_basis(related, consented=consented, excluded=excluded, restricted=restricted)
        if basis is not None:
            bases[related.pk] = basis
    return bases


def portal_grant(*, user: User, person_id: int) -> PortalGrant | None:
    """Return the user's portal grant to one person, or None."""
    return next((g for g in portal_grants(user=user) if g.person.pk == person_id), None)


def who_can_see(person: Person) -> list[dict[str, str]]:
    """List who may see the person's data now and why, in plain words for the person.

    A fixed number of queries, however many members and next of kin the person has.
    """
    rows: list[dict[str, str]] = []
    for a in CoordinatorAssignment.objects.active().filter(
        team__person=person, team__status=TeamStatus.ACTIVE
    ).select_related("coordinator"):
        rows.append({"who": a.coordinator.full_name, "why": str(BASIS_LABELS[Basis.COORDINATOR])})
    if person.gp is not None:
        rows.append({"who": person.gp.full_name, "why": str(BASIS_LABELS[Basis.GP])})
    members = memberships_giving_access().filter(
        team__person=person, user__isnull=False,
        user__role_assignments__municipality=person.municipality_id,
        user__role_assignments__role__in=CLINICAL_ROLES,
    ).exclude(user=person.gp_id).select_related("user", "service").distinct()
    for membership in members:
        assert membership.user is not None
        rows.append({"who": f"{membership.user.full_name} ({membership.service})",
                     "why": str(BASIS_LABELS[Basis.TEAM_MEMBER])})
    unit_staff = RoleAssignment.objects.filter(
        municipality=person.municipality, role=Role.COORDINATING_UNIT
    ).count()
    if unit_staff:
        rows.append({"who": str(_("Koordinerende enhet (%(n)s ansatte)") % {"n": unit_staff}),
                     "why": str(BASIS_LABELS[Basis.COORDINATING_UNIT])})
    consented = set(Consent.objects.active().filter(
        person=person, scope=ConsentScope.NEXT_OF_KIN).values_list("related_person_id", flat=True))
    excluded = set(ParentExclusion.objects.active().filter(person=person).values_list("related_person_id", flat=True))
    restricted = parents_restricted(person)
    for related in RelatedPerson.objects.filter(portal_account_q(), person=person):
        related.person = person
        basis = related_person_basis(related, consented=consented, excluded=excluded, restricted=restricted)
        if basis is not None:
            rows.append({"who": related.full_name,
                         "why": str(PORTAL_BASIS_LABELS[basis]) % {"name": person.given_name}})
    return rows


# Shared records on a person's plan (documents, log notes): who sees which, within the consent.


def viewer_services(grant: PersonGrant) -> list[int]:
    """Return the services the grant's user acts for with this person, under sharing consent.

    The services of the user's own role in the person's municipality and of their current
    memberships in the person's team, kept only while the person's consent to share with that
    service is in force. Only those who serve the person act for a service here: emergency
    access, case work and assessment participation never see what is kept to named services.
    """
    user = grant.user
    if user is None or not grant.serves:
        return []
    person = grant.person
    today = timezone.localdate()
    ids = {a.service_id for a in role_assignments(user)
           if a.municipality_id == person.municipality_id and a.service_id}
    ids |= set(
        TeamMembership.objects.filter(user=user, team__person=person, kind=MemberKind.PROFESSIONAL,
                                      team__status=TeamStatus.ACTIVE, joined_on__lte=today, service__isnull=False)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=today)).values_list("service_id", flat=True)
    )
    consented = set(Consent.objects.active().filter(
        person=person, scope=ConsentScope.SHARE_WITH_SERVICE).values_list("service_id", flat=True))
    return sorted(ids & consented)


def shared_with(grant: PersonGrant) -> Q:
    """Return the filter for the shared records (documents, log notes) a grant may see.

    The record has `visibility`, `services` (the named services) and `added_by` (the user who
    added it). Everyone in the team sees TEAM; staff with a grant see STAFF; only users acting
    for a named service (with consent to share with it) see SERVICES; the one who added a record
    always sees it. The person and next of kin see TEAM only, and what they added themselves.
    A query using it across `services` must be made distinct.
    """
    if grant.is_system:
        return Q()
    own = Q(added_by=grant.user) if grant.user is not None else Q(pk__in=[])
    if grant.is_portal:
        return Q(visibility=Visibility.TEAM) | own
    condition = Q(visibility__in=[Visibility.TEAM, Visibility.STAFF]) | own
    services = viewer_services(grant)
    if services:
        condition |= Q(visibility=Visibility.SERVICES, services__in=services)
    return condition


def risk_lists_visible_to(*, user: User) -> QuerySet:
    """Return the GP risk lists the user may open: their own, or ones the GP authorised them for."""
    if not user.is_authenticated or not user.is_active:
        return RiskList.objects.none()
    # Only while the user is a GP in the list's municipality: a GP who leaves loses the lists.
    return RiskList.objects.filter(
        Q(gp=user) | Q(authorised=user),
        municipality_id__in=municipalities_with_role(user, [Role.GP]),
    ).distinct()


def can_upload_risk_list(user: User, municipality: Municipality) -> bool:
    return has_role(user, Role.GP, municipality)


# Outcome data (hospital stays, service use): the coordinating unit imports them; per-person rows
# are read under person_grant like all personal data; leaders and evaluators see aggregates only
# (can_see_aggregates, is_evaluator).

def can_import_outcomes(user: User, municipality: Municipality) -> bool:
    return has_role(user, Role.COORDINATING_UNIT, municipality)
