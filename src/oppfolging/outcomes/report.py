"""Turn an effect estimate into what the pages and downloads show: texts, tables, chart data.

Everything here is an aggregate. Labels are translated here (the engine's labels are not
shown); numbers are formatted the Norwegian way («0,82 (0,61–1,10)»).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from oppfolging.accounts.models import Municipality
from oppfolging.effect.change import ChangeSummary
from oppfolging.effect.estimate import ACUTE, BED_DAYS, EffectEstimate, OutcomeEstimate, RateRatio
from oppfolging.lib.money import kroner
from oppfolging.lib.suppression import THRESHOLD, is_small_share, suppress_table
from oppfolging.outcomes.selectors import (
    APP_SETTINGS,
    COST,
    IPLOS_MDC,
    SERVICE_HOURS,
    SERVICE_VISITS,
    EffectReport,
    Unpriced,
)

OUTCOME_LABELS: dict[str, Promise] = {
    ACUTE: gettext_lazy("Akutte innleggelser"),
    BED_DAYS: gettext_lazy("Liggedøgn etter akutte innleggelser"),
    SERVICE_HOURS: gettext_lazy("Timer med kommunale tjenester"),
    SERVICE_VISITS: gettext_lazy("Besøk av kommunale tjenester"),
    COST: gettext_lazy("Kostnad i kroner (tjenester og liggedøgn)"),
}
BALANCE_LABELS: dict[str, Promise] = {
    "age": gettext_lazy("Alder (år)"),
    "female": gettext_lazy("Andel kvinner"),
    "acute_12m": gettext_lazy("Akutte innleggelser siste 12 måneder"),
    "acute_prev_12m": gettext_lazy("Akutte innleggelser 12–24 måneder før"),
    "recent_acute": gettext_lazy("Akutt innleggelse siste 90 dager"),
    "bed_days_12m": gettext_lazy("Liggedøgn siste 12 måneder"),
    "risk_score": gettext_lazy("Risikoskår fra fastlegens uttrekk (poeng)"),
    "comorbidity": gettext_lazy("Sykdomsbyrde (Charlson-poeng og mange legemidler)"),
    "polypharmacy": gettext_lazy("Minst fem ulike legemidler siste år"),
    "cond_heart_failure": gettext_lazy("Hjertesvikt"),
    "cond_ischaemic_heart": gettext_lazy("Iskemisk hjertesykdom"),
    "cond_stroke": gettext_lazy("Hjerneslag"),
    "cond_dementia": gettext_lazy("Demens"),
    "cond_copd": gettext_lazy("KOLS"),
    "cond_asthma": gettext_lazy("Astma"),
    "cond_diabetes": gettext_lazy("Diabetes"),
    "cond_rheumatoid_arthritis": gettext_lazy("Leddgikt"),
    "cond_ckd": gettext_lazy("Kronisk nyresykdom"),
    "cond_cancer": gettext_lazy("Kreft"),
}
# Differences in a matching variable below this are usually taken as balanced (Austin 2009).
SMD_BALANCED = 0.1


def number(value: float | None, digits: int = 2) -> str:
    """Return the number the Norwegian way, rounded (Django's number_format cuts the digits off)."""
    return "–" if value is None else number_format(round(value, digits), digits)


def ratio_text(rr: RateRatio) -> str:
    """Return «0,82 (0,61–1,10)», or «–» without an estimate."""
    if rr.rate_ratio is None:
        return "–"
    return f"{number(rr.rate_ratio)} ({number(rr.ci_low)}–{number(rr.ci_high)})"


def change_text(rr: RateRatio) -> str:
    """Return the rate ratio as a change in plain words: «18 % færre», «12 % flere»."""
    if rr.rate_ratio is None:
        return "–"
    percent = round(abs(rr.rate_ratio - 1) * 100)
    if percent == 0:
        return _("like mange")
    if rr.rate_ratio < 1:
        return _("%(p)s %% færre") % {"p": percent}
    return _("%(p)s %% flere") % {"p": percent}


def verdict(rr: RateRatio) -> str:
    """Return what the interval allows one to say, in plain Norwegian."""
    if rr.rate_ratio is None or rr.ci_low is None or rr.ci_high is None:
        return _("For få personer til å anslå.")
    if rr.ci_high < 1:
        return _("Færre enn i sammenligningsgruppen, og usikkerheten er så liten at det neppe "
                 "er tilfeldig.")
    if rr.ci_low > 1:
        return _("Flere enn i sammenligningsgruppen, og usikkerheten er så liten at det neppe "
                 "er tilfeldig.")
    return _("Intervallet rommer både færre og flere: tallene kan ikke skille en virkning fra "
             "tilfeldigheter.")


@dataclass
class EstimateRow:
    """One outcome's naive and adjusted estimate, as shown."""

    key: str
    label: str
    naive: RateRatio
    adjusted: RateRatio
    itt: RateRatio | None

    @property
    def naive_text(self) -> str:
        return ratio_text(self.naive)

    @property
    def adjusted_text(self) -> str:
        return ratio_text(self.adjusted)

    @property
    def itt_text(self) -> str:
        return ratio_text(self.itt) if self.itt else "–"

    def _amount(self, value: float | None) -> str:
        return kroner(value) if self.key == COST else number(value)

    @property
    def rate_after(self) -> str:
        return self._amount(self.adjusted.rate_treated)

    @property
    def rate_comparison(self) -> str:
        return self._amount(self.adjusted.rate_comparison)

    @property
    def rate_before(self) -> str:
        return self._amount(self.naive.rate_comparison)


def estimate_rows(estimate: EffectEstimate) -> list[EstimateRow]:
    """Return one row per outcome, acute admissions first."""
    rows = []
    for key, outcome in estimate.outcomes.items():
        rows.append(_row(key, outcome))
    return rows


def _row(key: str, outcome: OutcomeEstimate) -> EstimateRow:
    return EstimateRow(key, str(OUTCOME_LABELS.get(key, key)), outcome.naive, outcome.adjusted,
                       outcome.itt)


def difference_text(rr: RateRatio) -> str:
    """Return a difference in kroner per person-year with its interval: «−12 345 kr (−20 000 kr – −4 690 kr)»."""
    if rr.difference is None or rr.difference_low is None or rr.difference_high is None:
        return "–"
    return f"{kroner(rr.difference)} ({kroner(rr.difference_low)} – {kroner(rr.difference_high)})"


@dataclass
class CostView:
    """The cost outcome as shown: kroner per person-year before and after in both arms."""

    treated_before: str
    treated_after: str
    comparison_before: str
    comparison_after: str
    naive_difference: str
    adjusted_difference: str
    naive_ratio: str
    adjusted_ratio: str
    verdict: str
    unpriced: list[tuple[str, str]]


def cost_view(estimate: EffectEstimate, unpriced: Sequence[Unpriced]) -> CostView | None:
    """Return the cost outcome for the page, or None when it was not estimated."""
    outcome = estimate.outcomes.get(COST)
    if outcome is None:
        return None
    naive, adjusted = outcome.naive, outcome.adjusted
    return CostView(
        kroner(naive.rate_comparison), kroner(naive.rate_treated),
        kroner(outcome.comparison_before), kroner(adjusted.rate_comparison),
        difference_text(naive), difference_text(adjusted), ratio_text(naive), ratio_text(adjusted),
        difference_verdict(adjusted), unpriced_lines(unpriced),
    )


def difference_verdict(rr: RateRatio) -> str:
    """Return what the interval of a difference in kroner allows one to say."""
    if rr.difference_low is None or rr.difference_high is None:
        return _("For få personer til å anslå.")
    if rr.difference_high < 0:
        return _("Lavere kostnad enn i sammenligningsgruppen, og usikkerheten er så liten at det "
                 "neppe er tilfeldig.")
    if rr.difference_low > 0:
        return _("Høyere kostnad enn i sammenligningsgruppen, og usikkerheten er så liten at det "
                 "neppe er tilfeldig.")
    return _("Intervallet rommer både lavere og høyere kostnad: tallene kan ikke skille en "
             "virkning fra tilfeldigheter.")


def unpriced_lines(unpriced: Sequence[Unpriced]) -> list[tuple[str, str]]:
    """Return (what, how much and for how many) for the use left out of the kroner."""
    lines = []
    for gap in unpriced:
        amounts = []
        if gap.bed_days:
            amounts.append(_("%(n)s liggedøgn") % {"n": number(gap.bed_days, 0)})
        if gap.hours:
            amounts.append(_("%(n)s timer") % {"n": number(gap.hours, 1)})
        if gap.visits:
            amounts.append(_("%(n)s besøk") % {"n": number(gap.visits, 0)})
        if not amounts:
            continue
        persons = ngettext("%(n)s person", "%(n)s personer", gap.persons) % {"n": gap.persons}
        lines.append((gap.service or _("Liggedøgn på sykehus"), _("%(amounts)s (%(persons)s)") % {
            "amounts": ", ".join(amounts), "persons": persons}))
    return lines


@dataclass
class BalanceLine:
    label: str
    treated: str
    before: str
    after: str
    smd_before: str
    smd_after: str
    balanced: bool


def balance_lines(estimate: EffectEstimate) -> list[BalanceLine]:
    """Return the balance table with translated labels and formatted numbers."""
    lines = []
    for row in estimate.balance:
        digits = 1 if row.variable in ("age", "bed_days_12m", "risk_score") else 2
        lines.append(BalanceLine(
            str(BALANCE_LABELS.get(row.variable, row.label)), number(row.mean_treated, digits),
            number(row.mean_comparison_before, digits), number(row.mean_comparison_after, digits),
            number(row.smd_before), number(row.smd_after),
            row.smd_after is None or abs(row.smd_after) < SMD_BALANCED,
        ))
    return lines


def chart_data(estimate: EffectEstimate) -> dict[str, object]:
    """Return what the browser draws the charts from: estimates with intervals, and curves."""
    primary = estimate.primary
    estimates = []
    for label, rr in (
        (_("Før og etter, samme personer (naiv)"), primary.naive),
        (_("Mot sammenligningsgruppen (justert)"), primary.adjusted),
    ):
        estimates.append({
            "label": label, "value": rr.rate_ratio, "low": rr.ci_low, "high": rr.ci_high,
            "text": ratio_text(rr),
        })
    curves = primary.curves
    return {
        "estimates": estimates,
        "curves": None if curves is None else {
            "months": curves.months,
            "treated": curves.treated,
            "comparison": curves.comparison,
            "treatedLabel": _("Med team"),
            "comparisonLabel": _("Sammenligningsgruppen"),
            "axis": _("Måneder før og etter start"),
            "unit": _("per 100 personer per måned"),
        },
    }


def curve_rows(estimate: EffectEstimate) -> list[tuple[str, str, str]]:
    """Return (month, treated, comparison) rows of the curves, as text."""
    curves = estimate.primary.curves
    if curves is None:
        return []
    rows = []
    for month, treated, comparison in zip(curves.months, curves.treated, curves.comparison, strict=True):
        label = (_("%(n)s. måned etter") % {"n": month + 1}) if month >= 0 else (
            _("%(n)s. måned før") % {"n": -month})
        rows.append((label, number(treated, 1), number(comparison, 1)))
    return rows


@dataclass
class ChangeLine:
    """PSFS or IPLOS change among persons with a team, as shown."""

    label: str
    n: int
    mean: str
    interval: str
    improved: str
    worse: str
    mdc: str
    direction: str
    publishable: bool = True
    hidden: str = ""
    count_shown: bool = False


def change_lines(psfs: ChangeSummary, iplos: ChangeSummary, *, suppress: bool = False) -> list[ChangeLine]:
    """Return the PSFS and IPLOS lines, none with a figure below the minimum of persons.

    With ``suppress`` (figures leaving the municipality) small groups and small shares are
    hidden as the indicators hide them.
    """
    lines = [
        _change(_("PSFS «Hva er viktig for deg?» (0–10)"), psfs, _("høyere er bedre")),
        _change(_("IPLOS-snitt, behov for hjelp (1–5)"), iplos, _("lavere er bedre")),
    ]
    for line, summary in zip(lines, (psfs, iplos), strict=True):
        if suppress and not change_publishable(summary):
            line.publishable, line.hidden = False, _("skjult: for få personer")
        elif not summary.enough:
            # Within the municipality the count may be seen, but not one person's change.
            line.publishable, line.hidden, line.count_shown = False, _("for få til å anslå"), True
    return lines


def _change(label: str, summary: ChangeSummary, direction: str) -> ChangeLine:
    def share(count: int) -> str:
        return "–" if not summary.n else f"{round(100 * count / summary.n)} % ({count})"

    interval = "–" if summary.ci_low is None else f"{number(summary.ci_low)} – {number(summary.ci_high)}"
    mean = "–" if summary.mean is None else (
        ("+" if summary.mean > 0 else ("−" if summary.mean < 0 else "")) + number(abs(summary.mean))
    )
    return ChangeLine(label, summary.n, mean, interval, share(summary.improved),
                      share(summary.worse), number(summary.mdc, 1), direction)


# The evaluator's view: one row per municipality and the pooled estimate, suppressed. ------

@dataclass
class PooledRow:
    name: str
    treated: str
    comparison: str
    adjusted: str
    naive: str
    treated_hidden: bool
    comparison_hidden: bool


def pooled_rows(
    municipalities: Sequence[Municipality], reports: Sequence[EffectReport]
) -> tuple[list[PooledRow], PooledRow]:
    """Return each municipality's row and the total row, with small counts suppressed.

    The counts of persons compared are shown with a total, so they get complementary
    suppression (the indicators' rule); an estimate is shown only from the estimator's own
    minimum of persons, far above the suppression threshold.
    """
    def counts(attribute: str) -> list[int]:
        return [getattr(r.estimate, attribute) if r.estimate else 0 for r in reports]

    treated = suppress_table([counts("n_treated")], row_totals=True)
    comparison = suppress_table([counts("n_comparison")], row_totals=True)
    hidden_text = _("skjult")
    rows = []
    for i, (municipality, report) in enumerate(zip(municipalities, reports, strict=True)):
        estimate = report.estimate
        ok = estimate is not None and estimate.status == "ok"
        rows.append(PooledRow(
            municipality.name,
            hidden_text if treated.cells[0][i] is None else str(treated.cells[0][i]),
            hidden_text if comparison.cells[0][i] is None else str(comparison.cells[0][i]),
            ratio_text(estimate.adjusted) if ok and estimate else _("for få til å anslå"),
            ratio_text(estimate.naive) if ok and estimate else "–",
            treated.cells[0][i] is None,
            comparison.cells[0][i] is None,
        ))
    total_t = treated.row_totals[0] if treated.row_totals else None
    total_c = comparison.row_totals[0] if comparison.row_totals else None
    return rows, PooledRow(
        _("Alle kommuner"), hidden_text if total_t is None else str(total_t),
        hidden_text if total_c is None else str(total_c), "", "", total_t is None, total_c is None,
    )


def change_publishable(summary: ChangeSummary) -> bool:
    """Tell whether a change summary may leave the municipality (the indicators' share rule)."""
    return summary.n >= THRESHOLD and not is_small_share(summary.improved, summary.n) and (
        not is_small_share(summary.worse, summary.n)
    )


IN_APP_NOTE = gettext_lazy(
    "Sammenligningsgruppen er personer i kommunens register som ennå ikke hadde fått team. "
    "Personene sammenlignes med dem som var like på samme tid (innenfor %(days)s dager)."
)


def method_note() -> str:
    return str(IN_APP_NOTE) % {"days": APP_SETTINGS.calendar_days}


def iplos_mdc_text() -> str:
    return number(IPLOS_MDC, 1)


DEFINITIONS: list[tuple[Promise, Promise]] = [
    (gettext_lazy("Akutt innleggelse"),
     gettext_lazy("Et sykehusopphold som startet akutt (ikke planlagt), datert den dagen personen "
                  "ble lagt inn.")),
    (gettext_lazy("Naiv før og etter"),
     gettext_lazy("Akutte innleggelser de 12 månedene etter at teamet startet, delt på de 12 "
                  "månedene før, for de samme personene. Personer får team når det står verst "
                  "til, og de fleste får det bedre etterpå uansett. Derfor viser dette tallet "
                  "en nedgang også når teamet ikke har noen virkning.")),
    (gettext_lazy("Sammenligningsgruppe"),
     gettext_lazy("Personer som ennå ikke hadde fått team, og som samme uke var like personen "
                  "med team i kjønn, aldersgruppe, akutte innleggelser siste år og året før, om "
                  "de nylig hadde vært innlagt, og sykdomsbyrde fra fastlegens uttrekk der det "
                  "finnes. De er altså på samme topp, og faller like mye av seg selv.")),
    (gettext_lazy("Justert"),
     gettext_lazy("Akutte innleggelser per personår de 12 månedene etter teamstart, delt på det "
                  "samme i sammenligningsgruppen. Personer i sammenligningsgruppen som får team "
                  "senere, telles til teamet starter; de som ennå ikke har fått team, vektes opp "
                  "tilsvarende.")),
    (gettext_lazy("Rateratio"),
     gettext_lazy("1,00 betyr like mange innleggelser. 0,80 betyr 20 prosent færre, 1,20 betyr 20 prosent "
                  "flere.")),
    (gettext_lazy("95 %-intervall"),
     gettext_lazy("Området den sanne verdien trolig ligger i. Rommer intervallet 1,00, kan "
                  "tallene ikke skille en virkning fra tilfeldigheter.")),
    (gettext_lazy("Standardisert forskjell"),
     gettext_lazy("Forskjellen i snitt mellom gruppene målt i standardavvik. Under 0,10 regnes "
                  "som godt nok likt.")),
    (gettext_lazy("For få til å anslå"),
     gettext_lazy("Færre enn 20 personer med team kunne sammenlignes. Da vises ikke noe tall.")),
    (gettext_lazy("Endring i PSFS og IPLOS"),
     gettext_lazy("Siste kartlegging etter at teamet startet, minus den første kartleggingen, "
                  "for personer med team. Bedre betyr minst den minste påviselige endringen: 2 "
                  "poeng for PSFS-snittet (Stratford 1995), 0,5 for IPLOS-snittet (vårt valg, "
                  "det finnes ingen publisert grense). Her er det ingen sammenligningsgruppe.")),
    (gettext_lazy("Kostnad i kroner"),
     gettext_lazy("Tjenestebruk ganget med kommunens pris for tjenesten det året (per time der "
                  "tjenesten har timepris, ellers per besøk), pluss liggedøgn etter akutte "
                  "innleggelser ganget med kommunens pris for et liggedøgn det året. Bruk uten pris "
                  "regnes ikke med, og siden sier hvor mye det gjelder. Forskjellen er kroner per "
                  "person og år etter start, med team minus sammenligningsgruppen.")),
    (gettext_lazy("Hva tallene ikke sier"),
     gettext_lazy("Sammenligningen tar bare hensyn til det dataene viser. Får personer team "
                  "fordi de er sykere på måter som ikke står i dataene, kan anslaget bli "
                  "skjevt. Tallene gjelder gruppen, ikke den enkelte.")),
]


def definitions() -> list[tuple[str, str]]:
    return [(str(term), str(text)) for term, text in DEFINITIONS]
