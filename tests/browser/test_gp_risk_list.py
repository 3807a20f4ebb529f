"""The GP uploads an extract, sees the list with reasons, refers one patient; the unit sees it.

And the list remembers: after a second upload the GP sees what was decided on the first.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from oppfolging.risk.simulate import simulate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_takes_a_gp_from_an_extract_to_a_report_the_unit_sees(
    page, tmp_path, settings, demo_sign_in, assert_accessible
):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo", skip_risk=True, skip_history=True)
    simulate(500, 3, tmp_path / "sim")
    archive = tmp_path / "uttrekk.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted((tmp_path / "sim" / "t1").iterdir()):
            zf.write(path, path.name)

    # htmx (progress, the review row, the redirect to the refer page) works under the
    # Content-Security-Policy: the browser reports no violation on the way.
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    demo_sign_in(page, "Erik Dahl")
    page.get_by_role("link", name="Risikoliste", exact=True).click()
    assert_accessible(page)
    page.get_by_label(re.compile("Uttrekk fra journalsystemet")).set_input_files(str(archive))
    page.get_by_role("button", name="Last opp og beregn").click()
    expect(page.get_by_role("heading", name=re.compile("Risikoliste, uttrekk"))).to_be_visible(timeout=60_000)
    page.reload()
    assert_accessible(page)
    first_row = page.locator("table.risk-table tbody tr").first
    expect(first_row).to_contain_text(re.compile(r"\d"))
    assert first_row.locator("td").nth(4).inner_text().strip() != "–"  # reasons shown

    first_row.get_by_label("Meld behov til kommunen").check()
    with page.expect_request(lambda request: request.headers.get("hx-request") == "true"):
        first_row.get_by_role("button", name=re.compile("Lagre")).click()  # sent by htmx
    expect(page.get_by_role("heading", name=re.compile("Meld behov for pasient"))).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Fornavn").fill("Risiko")
    page.get_by_label("Etternavn").fill("Pasientsen")
    refer_url = page.url
    page.get_by_role("button", name="Send meldingen").dblclick()  # a tired GP's double click
    page.wait_for_url(re.compile(r"/fastlege/risikoliste/\d+/$"))
    from oppfolging.referrals.models import Referral

    assert Referral.objects.filter(subject_family_name="Pasientsen").count() == 1
    # The list shows the patient as reported, with the receipt. (Which of the two answers' one-off
    # messages the browser shows after overlapping requests is up to the browser; the row is not.)
    receipt = Referral.objects.get(subject_family_name="Pasientsen").receipt_code
    expect(page.get_by_text(f"({receipt})")).to_be_visible()
    # The refer page opened again (the browser's history, a second tab) says it was sent, with the receipt.
    page.goto(refer_url)
    expect(page.get_by_text(f"Pasienten er allerede meldt til koordinerende enhet (kvittering {receipt}).")
           ).to_be_visible()
    assert_accessible(page)
    assert violations == []

    page.context.clear_cookies()
    demo_sign_in(page, "Ingrid Solberg")
    page.get_by_role("link", name="Meldinger", exact=True).click()
    expect(page.get_by_role("link", name="Risiko Pasientsen")).to_be_visible()
    page.get_by_role("link", name="Risiko Pasientsen").click()
    expect(page.get_by_text("Fastlege, fra risikolisten")).to_be_visible()


def _zip(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as zf:
        for path in sorted(folder.iterdir()):
            zf.write(path, path.name)
    return target


def _upload(page, archive: Path) -> None:
    page.goto(page.base_url + "/fastlege/risikoliste/")
    page.get_by_label(re.compile("Uttrekk fra journalsystemet")).set_input_files(str(archive))
    page.get_by_role("button", name="Last opp og beregn").click()
    expect(page.get_by_role("heading", name=re.compile("Risikoliste, uttrekk"))).to_be_visible(
        timeout=60_000
    )
    page.reload()


def test_the_gp_sees_earlier_decisions_after_uploading_the_next_extract(
    page, tmp_path, settings, demo_sign_in, assert_accessible
):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo", skip_risk=True, skip_history=True)
    simulate(400, 5, tmp_path / "sim")
    first_zip = _zip(tmp_path / "sim" / "t0", tmp_path / "forste.zip")
    second_zip = _zip(tmp_path / "sim" / "t1", tmp_path / "andre.zip")
    today = timezone.localdate()  # the app's day (Oslo), not the machine's
    day = f"{today.day}.{today.month}"

    demo_sign_in(page, "Erik Dahl")
    page.get_by_role("link", name="Risikoliste", exact=True).click()
    _upload(page, first_zip)
    assert_accessible(page)
    expect(page.get_by_text(re.compile(r"Side 1 av \d+"))).to_be_visible()
    rows = page.locator("table.risk-table tbody tr").filter(has_text=re.compile(r"\d{11}"))
    referred = rows.nth(0).locator("td").first.inner_text().split("\n")
    referred_number = next(line for line in referred if re.fullmatch(r"\d{11}", line.strip()))

    # Refer the first patient.
    rows.nth(0).get_by_label("Meld behov til kommunen").check()
    rows.nth(0).get_by_role("button", name=re.compile("Lagre")).click()
    expect(page.get_by_role("heading", name=re.compile("Meld behov for pasient"))).to_be_visible()
    page.get_by_label("Fornavn").fill("Tidligere")
    page.get_by_label("Etternavn").fill("Henvist")
    page.get_by_role("button", name="Send meldingen").click()
    expect(page.get_by_text(re.compile("Meldingen er sendt til koordinerende enhet"))).to_be_visible()

    # Mark the next as already followed up, and the one after as not relevant for now.
    open_rows = page.locator("table.risk-table tbody tr").filter(
        has=page.get_by_role("button", name=re.compile("Lagre"))
    ).filter(has_text=re.compile(r"\d{11}"))
    followed = open_rows.nth(0)
    followed_id = followed.get_attribute("id")
    followed.get_by_label("Følges allerede opp").check()
    followed.get_by_role("button", name=re.compile("Lagre")).click()
    expect(page.locator(f"#{followed_id}")).to_contain_text(f"følges allerede opp (vurdert {day})")
    later = open_rows.nth(0)
    later.get_by_label("Ikke aktuelt nå", exact=True).check()
    later.get_by_label(re.compile("Se på igjen fra")).fill(f"{today.year + 1}-06-01")
    later.get_by_role("button", name=re.compile("Lagre")).click()
    expect(page.get_by_text(f"se igjen 1.6.{today.year + 1}")).to_be_visible()
    assert_accessible(page)

    # The next extract: decided patients are shown with what was decided, after the new ones.
    _upload(page, second_zip)
    assert_accessible(page)
    pages = int(re.search(r"Side 1 av (\d+)", page.content()).group(1))
    page.goto(page.url.split("?")[0] + f"?vis=new&side={pages}")
    assert_accessible(page)
    referred_row = page.locator("table.risk-table tbody tr").filter(has_text=referred_number)
    expect(referred_row).to_contain_text(f"henvist {day}")
    expect(referred_row).to_contain_text("vurdert før")
    expect(page.get_by_text(f"følges allerede opp (vurdert {day})")).to_be_visible()
    expect(page.get_by_text(f"ikke aktuelt nå (vurdert {day}, se igjen 1.6.{today.year + 1})")).to_be_visible()
    assert today.isoformat() not in page.content()
    # Not listed as new: the first page holds none of them.
    page.goto(page.url.split("?")[0] + "?vis=new&side=1")
    assert "vurdert før" not in page.locator("table.risk-table").inner_text()
