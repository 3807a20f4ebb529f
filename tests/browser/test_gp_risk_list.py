"""The GP uploads an extract, sees the list with reasons, refers one patient; the unit sees it."""

from __future__ import annotations

import re
import zipfile

import pytest
from django.core.management import call_command
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

    demo_sign_in(page, "Erik Dahl")
    page.get_by_role("link", name="Risikoliste", exact=True).click()
    assert_accessible(page)
    page.get_by_label("Uttrekk fra journalsystemet (.zip)").set_input_files(str(archive))
    page.get_by_role("button", name="Last opp og beregn").click()
    expect(page.get_by_role("heading", name=re.compile("Risikoliste, uttrekk"))).to_be_visible(timeout=60_000)
    page.reload()
    assert_accessible(page)
    first_row = page.locator("table.risk-table tbody tr").first
    expect(first_row).to_contain_text(re.compile(r"\d"))
    assert first_row.locator("td").nth(4).inner_text().strip() != "–"  # reasons shown

    first_row.get_by_label("Meld behov til kommunen").check()
    first_row.get_by_role("button", name=re.compile("Lagre")).click()
    expect(page.get_by_role("heading", name=re.compile("Meld behov for pasient"))).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Fornavn").fill("Risiko")
    page.get_by_label("Etternavn").fill("Pasientsen")
    page.get_by_role("button", name="Send meldingen").click()
    expect(page.get_by_text(re.compile("Meldingen er sendt til koordinerende enhet"))).to_be_visible()

    page.context.clear_cookies()
    demo_sign_in(page, "Ingrid Solberg")
    page.get_by_role("link", name="Meldinger", exact=True).click()
    expect(page.get_by_role("link", name="Risiko Pasientsen")).to_be_visible()
    page.get_by_role("link", name="Risiko Pasientsen").click()
    expect(page.get_by_text("Fastlege, fra risikolisten")).to_be_visible()
