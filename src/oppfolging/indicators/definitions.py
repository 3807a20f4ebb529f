"""The indicators: the pilot's four result goals and the outcomes, each with its definition.

The definition (numerator, denominator, period, exclusions) is written here once and shown
beside the figure, in the exports and in docs/indicators.md, so every municipality reads the
same figure the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from oppfolging.accounts.models import Municipality
from oppfolging.indicators import selectors as s
from oppfolging.indicators.periods import Period

SHARE, COUNT, DAYS, MEAN, CHANGE, YEARS = "share", "count", "days", "mean", "change", "years"

GOALS = {
    1: _("Struktur som sikrer system og kompetanse"),
    2: _("Tidlig identifisering"),
    3: _("Oppfølgingsteam som arbeidsform"),
    4: _("Brukermedvirkning og pårørende"),
    5: _("Resultater for personene"),
}

# Each computes the figure for several periods at once (the trend), oldest first.
Compute = Callable[[Municipality, Sequence[Period]], list[s.Figure]]
Breakdown = Callable[[Municipality, Period], list[s.BreakdownRow]]


@dataclass(frozen=True)
class Indicator:
    """One indicator: what it measures, how it is computed, and how it is broken down."""

    key: str
    goal: int
    title: Promise
    unit: str
    numerator: Promise
    denominator: Promise
    period: Promise
    exclusions: Promise
    compute: Compute
    breakdown: Breakdown | None = None
    breakdown_title: Promise | None = None
    breakdown_unit: str = COUNT
    trend: bool = False
    lower_is_better: bool = False
    secondary_label: Promise | None = None
    note: Promise | None = None

    @property
    def is_count(self) -> bool:
        return self.unit == COUNT


RECEIVED_IN = _("Meldinger mottatt i perioden.")
AT_END = _("Status ved periodens slutt (i dag for perioden som pågår).")
HELD_IN = _("Møter gjennomført i perioden.")
NOT_CONTROLLED = _(
    "Før og etter for de samme personene. Dette er ikke en kontrollert sammenligning: "
    "endringen kan ha andre årsaker enn oppfølgingen."
)

INDICATORS: tuple[Indicator, ...] = (
    # 1. Structure
    Indicator(
        "referrals_within_deadline", 1, _("Meldinger avklart innen fristen"), SHARE,
        _("Meldinger som ble avsluttet (avgjort eller avslått) senest på fristdagen."),
        _("Meldinger mottatt i perioden."),
        RECEIVED_IN,
        _("Trukne meldinger, og åpne meldinger der fristen ennå ikke har gått ut."),
        s.compute_referrals_within_deadline, s.breakdown_referrals_by_age,
        _("Etter aldersgruppe"), SHARE, trend=True,
    ),
    Indicator(
        "days_to_decision", 1, _("Dager fra melding til avgjørelse"), DAYS,
        _("Dager fra meldingen kom inn til avgjørelsen ble fattet; median og 90-persentil."),
        _("Avgjørelser fattet i perioden som hører til en melding."),
        _("Avgjørelser fattet i perioden."),
        _("Avgjørelser uten melding (for eksempel ny vurdering av en person som alt følges opp)."),
        s.compute_days_to_decision, trend=True, lower_is_better=True,
        secondary_label=_("90-persentil"),
    ),
    Indicator(
        "days_to_team", 1, _("Dager fra melding til team"), DAYS,
        _("Dager fra siste melding før teamet ble opprettet til teamet ble opprettet; median og "
          "90-persentil."),
        _("Team opprettet i perioden."),
        _("Team opprettet i perioden."),
        _("Team uten noen melding om personen før teamet ble opprettet."),
        s.compute_days_to_team, trend=True, lower_is_better=True,
        secondary_label=_("90-persentil"),
    ),
    Indicator(
        "coordinators_in_pool", 1, _("Koordinatorer i poolen"), COUNT,
        _("Koordinatorer i kommunens pool som tar imot nye personer."),
        _("Ingen (et antall)."),
        AT_END,
        _("Koordinatorer som ikke tar imot nye personer. Om en koordinator tar imot nye, "
          "lagres bare slik det er nå."),
        s.compute_coordinators_in_pool,
    ),
    Indicator(
        "coordinators_trained", 1, _("Andel koordinatorer med opplæring"), SHARE,
        _("Koordinatorer i poolen med minst ett fullført kurs før periodens slutt."),
        _("Koordinatorer i poolen som tar imot nye personer."),
        AT_END,
        _("Som for koordinatorer i poolen."),
        s.compute_coordinators_trained,
    ),
    Indicator(
        "caseload", 1, _("Personer per koordinator"), MEAN,
        _("Aktive team med koordinatoren som koordinator ved periodens slutt."),
        _("Koordinatorer med minst ett aktivt team ved periodens slutt."),
        AT_END,
        _("Avsluttede team."),
        s.compute_caseload, s.breakdown_caseload_by_coordinator, _("Etter koordinator"),
        COUNT, secondary_label=_("Flest"),
    ),
    # 2. Early identification
    Indicator(
        "referrals_by_source", 2, _("Meldinger om behov"), COUNT,
        _("Meldinger mottatt i perioden, etter hvem som meldte."),
        _("Ingen (et antall)."),
        RECEIVED_IN,
        _("Ingen."),
        s.compute_referrals_by_source, s.breakdown_referrals_by_source, _("Etter hvem som meldte"),
        COUNT, trend=True,
    ),
    Indicator(
        "risk_list_surprises", 2, _("Nye personer fra fastlegens risikoliste"), SHARE,
        _("Pasienter med høyest risiko (øverste 5 %) som fastlegen gikk gjennom og som "
          "ikke allerede ble fulgt opp (vurdert som «ikke aktuelt nå» eller meldt til kommunen)."),
        _("Pasienter med høyest risiko som fastlegen gikk gjennom i perioden."),
        _("Dato for fastlegens gjennomgang."),
        _("Pasienter som ikke er gjennomgått. Fastlegens liste forlater aldri legekontoret som "
          "personopplysninger; bare tellingen av vurderingene brukes her."),
        s.compute_risk_list_surprises, trend=True,
    ),
    Indicator(
        "age_at_first_report", 2, _("Alder ved første melding"), YEARS,
        _("Personens alder den dagen den første meldingen om personen kom inn (median)."),
        _("Personer der den første meldingen noen gang kom i perioden."),
        RECEIVED_IN,
        _("Meldinger som ikke er koblet til en person."),
        s.compute_age_at_first_report, s.breakdown_first_report_by_age, _("Etter aldersgruppe"),
        COUNT,
    ),
    # 3. Teams as the way of working
    Indicator(
        "teams_with_coordinator", 3, _("Personer med team som har koordinator"), SHARE,
        _("Aktive team med en koordinator ved periodens slutt."),
        _("Aktive team ved periodens slutt (én per person)."),
        AT_END,
        _("Avsluttede team."),
        s.compute_teams_with_coordinator, s.breakdown_teams_by_age, _("Etter aldersgruppe"),
        SHARE, trend=True,
    ),
    Indicator(
        "teams_with_consented_plan", 3, _("Personer med team som har plan med samtykke"), SHARE,
        _("Aktive team der personen har en individuell plan og et samtykke til team og plan som "
          "ikke var trukket ved periodens slutt."),
        _("Aktive team ved periodens slutt."),
        AT_END,
        _("Avsluttede team."),
        s.compute_teams_with_consented_plan, trend=True,
    ),
    Indicator(
        "goals_evaluated_on_time", 3, _("Mål evaluert til tiden"), SHARE,
        _("Evalueringer gjort senest på datoen målet skulle evalueres."),
        _("Evalueringstidspunkter i perioden: evalueringer med frist i perioden, pluss aktive mål "
          "med frist i perioden som ennå ikke er evaluert."),
        _("Frist for evaluering i perioden."),
        _("Frister som ikke er passert ennå."),
        s.compute_goals_evaluated_on_time, trend=True,
    ),
    Indicator(
        "idle_plans", 3, _("Planer uten aktivitet"), SHARE,
        _("Aktive planer uten noen endring de siste dagene før periodens slutt (se "
          "PLAN_IDLE_DAYS, 90 dager som standard)."),
        _("Aktive planer ved periodens slutt."),
        AT_END,
        _("Planer opprettet i løpet av de siste dagene i samme tidsrom; avsluttede planer."),
        s.compute_idle_plans, lower_is_better=True,
    ),
    Indicator(
        "agenda_sent_ahead", 3, _("Møter med sakliste sendt på forhånd"), SHARE,
        _("Gjennomførte møter der saklisten ble sendt minst ett døgn før møtet."),
        _("Møter gjennomført i perioden."),
        HELD_IN,
        _("Avlyste og planlagte møter."),
        s.compute_agenda_sent_ahead, trend=True,
    ),
    Indicator(
        "no_show", 3, _("Uteblitt uten å melde forfall"), SHARE,
        _("Innkalte som ikke møtte og ikke meldte forfall."),
        _("Innkalte med registrert oppmøte, til møter gjennomført i perioden."),
        HELD_IN,
        _("Innkalte uten registrert oppmøte; avlyste møter. Per tjeneste telles tjenesteytere "
          "etter tjenesten de kom fra på møtedagen."),
        s.compute_no_show, s.breakdown_attendance_by_service, _("Etter tjeneste"), SHARE,
        trend=True, lower_is_better=True, secondary_label=_("Møtte"),
    ),
    Indicator(
        "services_per_team", 3, _("Tjenester per team"), MEAN,
        _("Ulike tjenester med minst én tjenesteyter i teamet ved periodens slutt."),
        _("Aktive team ved periodens slutt."),
        AT_END,
        _("Personen selv, pårørende og deltakere uten tjeneste."),
        s.compute_services_per_team, s.breakdown_services_in_teams, _("Team per tjeneste"), COUNT,
    ),
    # 4. Participation
    Indicator(
        "goals_by_person", 4, _("Mål skrevet av personen eller pårørende"), SHARE,
        _("Mål og delmål skrevet av personen selv eller av pårørende."),
        _("Mål og delmål opprettet i perioden."),
        _("Mål opprettet i perioden."),
        _("Ingen."),
        s.compute_goals_by_person, s.breakdown_goals_by_author, _("Etter hvem som skrev målet"),
        COUNT, trend=True,
    ),
    Indicator(
        "agenda_from_person", 4, _("Møter med sak meldt inn av personen eller pårørende"), SHARE,
        _("Gjennomførte møter med minst én sak på saklisten meldt inn av personen eller "
          "pårørende."),
        _("Møter gjennomført i perioden."),
        HELD_IN,
        _("Avlyste og planlagte møter."),
        s.compute_agenda_from_person, trend=True,
    ),
    Indicator(
        "coordinator_wish_met", 4, _("Ønske om koordinator oppfylt"), SHARE,
        _("Koordinatoroppnevninger der personens ønske ble oppfylt."),
        _("Koordinatoroppnevninger i perioden der personen hadde uttrykt et ønske."),
        _("Koordinator oppnevnt i perioden."),
        _("Oppnevninger der personen ikke hadde uttrykt noe ønske."),
        s.compute_coordinator_wish_met, trend=True,
    ),
    Indicator(
        "consents_given", 4, _("Samtykker gitt"), COUNT,
        _("Samtykker gitt i perioden (til team og plan, deling med en tjeneste, pårørende)."),
        _("Ingen (et antall)."),
        _("Samtykke gitt i perioden."),
        _("Ingen."),
        s.compute_consents_given, trend=True,
    ),
    Indicator(
        "consents_withdrawn", 4, _("Samtykker trukket"), COUNT,
        _("Samtykker trukket i perioden."),
        _("Ingen (et antall)."),
        _("Samtykke trukket i perioden."),
        _("Samtykker som bare har løpt ut på dato."),
        s.compute_consents_withdrawn, trend=True,
    ),
    # 5. Outcomes
    Indicator(
        "psfs_change", 5, _("Endring i PSFS («Hva er viktig for deg?»)"), CHANGE,
        _("Gjennomsnittlig endring i PSFS-snitt fra første til siste fullførte kartlegging, "
          "med høyere tall som bedre uansett skjemaets retning; og andelen som ble minst 2 poeng "
          "bedre (minste påviselige endring)."),
        _("Personer med minst to fullførte kartlegginger med PSFS der den siste ble fullført i "
          "perioden."),
        _("Siste kartlegging fullført i perioden."),
        _("Kartlegginger som ikke er fullført eller mangler PSFS-aktiviteter."),
        s.compute_psfs_change, secondary_label=_("Andel minst 2 poeng bedre"),
        note=NOT_CONTROLLED,
    ),
    Indicator(
        "iplos_change", 5, _("Endring i IPLOS-snitt"), CHANGE,
        _("Gjennomsnittlig endring i IPLOS-snitt fra første til siste fullførte kartlegging. "
          "Negativt tall betyr mindre behov for hjelp. Snittet er ikke et offisielt IPLOS-tall."),
        _("Personer med minst to fullførte kartlegginger med IPLOS der den siste ble fullført i "
          "perioden."),
        _("Siste kartlegging fullført i perioden."),
        _("Skår 9 (ikke relevant); kartlegginger uten IPLOS-skårer."),
        s.compute_iplos_change, lower_is_better=True,
        secondary_label=_("Andel med mindre behov for hjelp"), note=NOT_CONTROLLED,
    ),
    Indicator(
        "acute_admissions", 5, _("Akutte innleggelser før og etter team"), COUNT,
        _("Akutte sykehusinnleggelser de 12 månedene etter at teamet startet."),
        _("Sammenlignes med de 12 månedene før teamet startet, for de samme personene."),
        _("Team startet i perioden som ligger minst 12 måneder tilbake."),
        _("Personer uten importerte sykehusopphold for hele tiden fra ett år før til ett år etter "
          "at teamet startet. Se siden om effekt for en sammenligning med personer uten team."),
        s.compute_acute_admissions, secondary_label=_("Før teamet startet"), note=NOT_CONTROLLED,
    ),
)

BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
