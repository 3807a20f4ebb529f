"""Plan tools in a real browser, every page checked with axe (WCAG 2.1 AA).

Documents: a team member uploads a PDF kept to their own service; a member of another service
in the same team gets 404 on it; the person sees it only once it is shared; a malicious file (an
HTML file renamed .pdf, a zip bomb disguised as .docx, a 200 MB file) is refused with a clear
message and nothing is stored. The calendar and the task list are used with the keyboard alone.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from oppfolging.documents.models import Document
from oppfolging.meetings.models import ActionItem, Invitation, Meeting
from oppfolging.plans.models import Measure

from ..documents import files
from ..plantools_world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login_as(page, user) -> None:
    """Sign the browser in as the user (the session Django's test client makes)."""
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": page.base_url}])


def stored(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def upload(page, path_or_file, title: str, timeout: float | None = None) -> None:
    page.get_by_label("Tittel").fill(title)
    page.locator("#id_upload").set_input_files(path_or_file)
    page.get_by_role("button", name="Last opp").click(timeout=timeout)


def test_documents_are_kept_to_a_service_shared_on_purpose_and_malicious_files_are_refused(
        page, cast, assert_accessible, document_storage, tmp_path):
    w = build_world(cast)
    person = cast.person.pk
    list_url = page.base_url + reverse("documents:list", args=[person])

    # 1. The physiotherapist uploads a PDF kept to the physiotherapy service.
    login_as(page, w.physio)
    page.goto(list_url)
    expect(page.get_by_role("heading", name=re.compile("Dokumenter i planen for Petra Person"))).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Bare de tjenestene som er valgt").check()
    page.get_by_label("Fysioterapi").check()
    upload(page, {"name": "Rapport fra fysio.pdf", "mimeType": "application/pdf", "buffer": files.pdf()},
           "Rapport fra fysioterapeuten")
    expect(page.get_by_text("Dokumentet «Rapport fra fysioterapeuten» er lagt til.")).to_be_visible()
    assert_accessible(page)
    document = Document.objects.get()
    assert (document.visibility, list(document.services.all())) == ("services", [w.physio_service])
    assert stored(document_storage) == [document.storage_key]

    # 2. A member of another service in the same team gets 404 on it.
    login_as(page, cast.colleague)
    detail = page.base_url + reverse("documents:detail", args=[person, document.pk])
    assert page.goto(detail).status == 404
    assert page.goto(page.base_url + reverse("documents:file", args=[person, document.pk])).status == 404
    page.goto(list_url)
    assert page.get_by_text("Rapport fra fysioterapeuten").count() == 0

    # 3. The person sees it only when it is shared with the team.
    portal_url = page.base_url + reverse("documents:portal_list", args=[person])
    login_as(page, w.person_user)
    page.goto(portal_url)
    assert page.get_by_text("Rapport fra fysioterapeuten").count() == 0
    assert_accessible(page)
    login_as(page, w.physio)
    page.goto(detail)
    assert_accessible(page)
    page.get_by_label("Alle i teamet, også personen og pårørende som deltar").check()
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_text("Hvem som kan se dokumentet, er endret.")).to_be_visible()
    login_as(page, w.person_user)
    page.goto(portal_url)
    expect(page.get_by_role("row", name=re.compile("Rapport fra fysioterapeuten"))).to_be_visible()

    # 4. Malicious files are refused with a clear message, and nothing is stored.
    login_as(page, w.physio)
    big = tmp_path / "stor.pdf"
    with big.open("wb") as handle:
        handle.write(files.pdf())
        handle.truncate(200 * 1024 * 1024)
    cases = [
        ({"name": "faktura.pdf", "mimeType": "application/pdf", "buffer": files.HTML},
         "Filen er en nettside eller kode, ikke et dokument."),
        ({"name": "referat.docx", "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          "buffer": files.zip_bomb_docx()}, "Filen pakker seg ut til langt mer enn den ser ut til"),
        (str(big), "Filen er for stor. Største tillatte størrelse er 20 MB."),
    ]
    for file, message in cases:
        page.goto(list_url)
        # The browser sends all 200 MB before it reads the answer (the server reads and discards
        # the rest once it has refused the file): allow for a slow, shared machine.
        upload(page, file, "Skal avvises", timeout=180_000)
        expect(page.get_by_text(message).first, message).to_be_visible()
        assert_accessible(page)
    assert Document.objects.count() == 1 and stored(document_storage) == [document.storage_key]


def _tab_to(page, href: str, limit: int = 200) -> bool:
    """Press Tab until the link to href has focus; tell whether it got there."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.getAttribute('href')") == href:
            return True
    return False


def test_the_calendar_and_the_task_list_pass_axe_and_work_with_the_keyboard_alone(page, cast, assert_accessible):
    w = build_world(cast)
    today = timezone.localdate()
    starts = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time(10)))
    meeting = Meeting.objects.create(team=w.team, starts_at=starts, location="Helsehuset", created_by=cast.cu)
    Invitation.objects.create(meeting=meeting, kind="coordinator", user=w.coordinator, name="Kai Koordinator")
    ActionItem.objects.create(team=w.team, description="Søke om støttekontakt", due_on=today, owner_user=w.coordinator,
                              created_by=cast.cu)
    Measure.objects.create(goal=w.goal, description="Følge på tur", responsible_user=w.coordinator,
                           ends_on=today + dt.timedelta(days=2), status="ongoing")
    login_as(page, w.coordinator)
    page.goto(page.base_url + reverse("calendars:calendar"))
    assert_accessible(page)
    table = page.get_by_role("table")
    assert table.get_by_role("rowheader").count() == 7 and table.get_by_role("columnheader").count() == 2
    links = [a.get_attribute("href") for a in table.get_by_role("link").all()]
    assert len(links) == 4  # the meeting, the evaluation, the action item, the measure
    # Keyboard only: from the top of the page, Tab reaches every item, and Enter opens it.
    page.locator("body").focus()
    for href in links:
        page.goto(page.base_url + reverse("calendars:calendar"))
        assert _tab_to(page, href), href
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(links[-1].split("#")[0])))
    # The month, reached from the keyboard too.
    page.goto(page.base_url + reverse("calendars:calendar"))
    month = page.get_by_role("link", name="Måned").get_attribute("href")
    assert _tab_to(page, month)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("visning=maned"))
    assert page.get_by_role("table").get_by_role("columnheader").count() == 8
    assert_accessible(page)
    # The subscription address, made and shown once.
    page.get_by_role("button", name="Lag abonnementslenke").click()
    expect(page.get_by_label("Din hemmelige abonnementslenke")).to_have_value(re.compile(r"/kalender/abonnement/.+\.ics$"))
    assert_accessible(page)
    # The task list.
    page.goto(page.base_url + reverse("calendars:tasks"))
    assert_accessible(page)
    task_links = [a.get_attribute("href") for a in page.get_by_role("table").get_by_role("link").all()]
    assert len(task_links) == 2
    for href in task_links:
        page.goto(page.base_url + reverse("calendars:tasks"))
        assert _tab_to(page, href), href
    # «Min plan»: the person's calendar.
    login_as(page, w.person_user)
    page.goto(page.base_url + reverse("calendars:calendar"))
    assert page.get_by_role("table").get_by_role("link").count() == 2  # the meeting and the evaluation
    assert_accessible(page)


def test_the_samarbeidslogg_templates_and_child_pages_pass_axe(page, cast, assert_accessible):
    w = build_world(cast)
    login_as(page, w.coordinator)
    page.goto(page.base_url + reverse("notes:list", args=[cast.person.pk]))
    assert_accessible(page)
    page.locator("#id_text").fill("Snakket med skolen i dag om transport.")
    page.get_by_role("button", name="Lagre notatet").click()
    expect(page.get_by_text("Notatet er lagt i samarbeidsloggen.")).to_be_visible()
    expect(page.get_by_text("Snakket med skolen i dag om transport.")).to_be_visible()
    assert_accessible(page)
    login_as(page, cast.cu)
    page.goto(page.base_url + reverse("plantemplates:create"))
    assert_accessible(page)
    page.get_by_label("Navn").fill("Eldre som bor hjemme")
    page.get_by_label("Deler av planen").fill("Hverdagen hjemme: Måltider og medisiner\nPårørende")
    page.get_by_label("Foreslåtte målområder og tiltak").fill("Trygghet: Trygghetsalarm; Nattpatrulje")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_text("Planmalen er lagret.")).to_be_visible()
    assert_accessible(page)
    login_as(page, w.person_user)
    page.goto(page.base_url + reverse("notes:portal_timeline", args=[cast.person.pk]))
    expect(page.get_by_text("Snakket med skolen i dag om transport.")).to_be_visible()
    assert_accessible(page)
