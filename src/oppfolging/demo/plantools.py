"""Demo plan tools: three plan templates, documents and log notes on plans, and a child with a
barnekoordinator whose team spans school, health and child welfare. Runs once; a second run
finds everything there and adds nothing."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from oppfolging.access import policy
from oppfolging.access.models import Visibility
from oppfolging.accounts.models import Municipality, Role, RoleAssignment, User
from oppfolging.catalogue.models import Service
from oppfolging.children.models import ChildCoordinatorDecision, Grounds, HowHeard
from oppfolging.children.services import child_coordinator_appoint, child_view_record
from oppfolging.demo.data import PLAN_TEMPLATES
from oppfolging.documents.models import Document
from oppfolging.documents.services import document_upload
from oppfolging.notes.models import Note
from oppfolging.notes.services import note_add
from oppfolging.people.models import Person
from oppfolging.plans.models import IndividualPlan
from oppfolging.plantemplates.models import PlanTemplate
from oppfolging.plantemplates.services import TemplateContent, template_create
from oppfolging.teams.models import (
    Consent,
    ConsentMethod,
    ConsentScope,
    GivenBy,
    MemberKind,
    TeamMembership,
    TeamStatus,
)


def demo_pdf(text: str) -> bytes:
    """Return a small, valid one-page PDF with one line of text (Latin-1)."""
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _service(municipality: Municipality, name: str) -> Service | None:
    short = municipality.name.split()[0]
    return Service.objects.filter(municipality=municipality, name=name.replace("Fjordvik", short)).first()


def create_demo_templates(*, municipality: Municipality) -> None:
    """The three templates the issue names, kept by the municipality's coordinating unit."""
    unit = User.objects.filter(role_assignments__municipality=municipality,
                               role_assignments__role=Role.COORDINATING_UNIT).order_by("pk").first()
    grant = policy.staff_grant(user=unit, municipality=municipality) if unit else None
    if grant is None:
        return
    for name, description, sections, areas, services, weeks in PLAN_TEMPLATES:
        if PlanTemplate.objects.filter(municipality=municipality, name=name).exists():
            continue
        found = [s for s in (_service(municipality, n) for n in services) if s is not None]
        template_create(grant=grant, name=name, description=description, content=TemplateContent(
            sections=sections, goal_areas=areas, services=found, meeting_interval_weeks=weeks))


def _upload(grant: policy.PersonGrant, title: str, text: str, visibility: str, services: list[Service],
            consent: Consent | None = None, name: str = "dokument.pdf") -> None:
    if Document.objects.filter(person=grant.person, title=title).exists():
        return
    document_upload(grant=grant, upload=SimpleUploadedFile(name, demo_pdf(text), "application/pdf"), title=title,
                    visibility=visibility, services=services, consent=consent)


def _note(grant: policy.PersonGrant, plan: IndividualPlan, text: str, visibility: str = Visibility.TEAM,
          services: list[Service] | None = None, days_ago: int = 0) -> None:
    if Note.objects.filter(plan=plan, text=text).exists():
        return
    note_add(grant=grant, plan=plan, text=text, visibility=visibility, services=services or [],
             noted_on=timezone.localdate() - dt.timedelta(days=days_ago))


def _grant(user: User | None, person: Person) -> policy.PersonGrant | None:
    if user is None:
        return None
    user._role_assignments_cache = None
    return policy.person_grant(user=user, person=person)


def create_demo_documents_and_notes(*, municipality: Municipality) -> None:
    """Documents and notes on the plan of the demo's «Min plan» person (demo-person)."""
    person_user = _user("demo-person")
    person = getattr(person_user, "person_record", None) if person_user else None
    plan = IndividualPlan.objects.filter(person=person).first() if person else None
    unit = _user("demo-ke")
    if person is None or plan is None or plan.team is None:
        return
    grant = _grant(unit, person)
    assignment = plan.team.current_coordinator_assignment
    coordinator_grant = _grant(assignment.coordinator, person) if assignment else grant
    if grant is None or coordinator_grant is None:
        return
    consent = Consent.objects.filter(person=person, scope=ConsentScope.TEAM_AND_PLAN).first()
    _upload(grant, "Signert samtykke til individuell plan", "Samtykke til individuell plan - signert (eksempel)",
            Visibility.TEAM, [], consent=consent, name="samtykke signert.pdf")
    _upload(coordinator_grant, "Epikrise fra sykehuset", "Epikrise (syntetisk eksempel)", Visibility.STAFF, [],
            name="epikrise.pdf")
    _note(coordinator_grant, plan, "Ringte datteren i dag. Hun opplever at morgenbesøkene har gjort hverdagen tryggere.",
          days_ago=9)
    _note(coordinator_grant, plan, "Snakket med fastlegen om medisinene. Ny legemiddelgjennomgang før neste møte.",
          Visibility.STAFF, days_ago=4)
    _note(coordinator_grant, plan, "Avtalt prøvedag på dagsenteret neste tirsdag. Transport er bestilt.", days_ago=1)


def create_demo_child(*, municipality: Municipality) -> None:
    """A child with a barnekoordinator: decision, school and child welfare in the team, the child's view."""
    unit, coordinator = _user("demo-ke"), _user("demo-koordinator")
    welfare_user, school_user = _user("demo-barnevern"), _user("demo-skole")
    plans = (IndividualPlan.objects.filter(person__municipality=municipality, team__status=TeamStatus.ACTIVE)
             .select_related("person", "team").order_by("pk"))
    plan = next((p for p in plans if p.person.is_child), None)
    if plan is None or unit is None or coordinator is None:
        return
    child, team = plan.person, plan.team
    if ChildCoordinatorDecision.objects.filter(person=child).exists():
        return
    welfare, school = _service(municipality, "Barneverntjenesten"), _service(municipality, "Fjordvik skole")
    guardian = child.related_persons.filter(has_parental_responsibility=True).first()
    for user, service, role in ((welfare_user, welfare, "Saksbehandler, barnevern"),
                                (school_user, school, "Kontaktlærer")):
        if user is None or service is None:
            continue
        Consent.objects.get_or_create(person=child, scope=ConsentScope.SHARE_WITH_SERVICE, service=service,
                                      defaults={"method": ConsentMethod.PAPER, "given_by": GivenBy.GUARDIAN,
                                                "given_by_related": guardian, "recorded_by": unit})
        TeamMembership.objects.get_or_create(team=team, user=user, service=service, kind=MemberKind.PROFESSIONAL,
                                             defaults={"role_in_team": role, "added_by": unit})
    grant = _grant(unit, child)
    if grant is None:
        return
    child_coordinator_appoint(
        grant=grant, coordinator=coordinator, grounds=Grounds.DISABILITY,
        reason="Barnet har en medfødt tilstand og trenger langvarige tjenester fra helse, barnehage/skole, PPT "
               "og avlastning. Foreldrene har bedt om én fast kontaktperson.",
        handover_note="Barnekoordinatoren overtar koordineringen etter vedtak om barnekoordinator.")
    coordinator_grant = _grant(coordinator, child)
    if coordinator_grant is not None:
        child_view_record(grant=coordinator_grant, how=HowHeard.DRAWING,
                          words="Jeg liker å bade og være med Ola i friminuttet. Det er dumt når det er mye bråk.")
        _note(coordinator_grant, plan, "Snakket med skolen i dag om assistent i friminuttene. Rektor ser på timeplanen.",
              days_ago=3)
    welfare_grant = _grant(welfare_user, child)
    if welfare_grant is not None and welfare is not None:
        _note(welfare_grant, plan, "Hjemmebesøk gjennomført. Foreldrene ønsker veiledning; ny samtale om tre uker.",
              Visibility.SERVICES, [welfare], days_ago=2)
        _upload(welfare_grant, "Barnevernets tiltaksplan", "Tiltaksplan (syntetisk eksempel)", Visibility.SERVICES,
                [welfare], name="tiltaksplan.pdf")
    school_grant = _grant(school_user, child)
    if school_grant is not None:
        _upload(school_grant, "Sakkyndig vurdering fra PPT", "Sakkyndig vurdering (syntetisk eksempel)",
                Visibility.TEAM, [], name="sakkyndig vurdering.pdf")


def create_demo_plan_tools(*, municipality: Municipality, main: bool) -> None:
    """Templates in every municipality; documents, notes and the child in the main one."""
    create_demo_templates(municipality=municipality)
    if main and RoleAssignment.objects.filter(municipality=municipality).exists():
        create_demo_documents_and_notes(municipality=municipality)
        create_demo_child(municipality=municipality)
