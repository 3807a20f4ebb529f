"""The IPLOS function variables as a plain table, checked against Helsedirektoratet's guide.

Sources (see docs/assessments.md): Helsedirektoratet, «Registrering av IPLOS-data i kommunen»,
chapter «Funksjonsvariablene», and «Vurdere bistandsbehov – skårmetodikk» (IPLOS spørsmål og
svar). Need-for-assistance variables are scored 1 (no problems, no need of help) … 5 (full need
of help with everything); 9 = not relevant. Vision and hearing describe an impairment, not a
need for help, so they are scored on their own scale and kept out of the need-for-help mean.
This module never imports Django; labels are Norwegian Bokmål as in the guide.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from statistics import fmean

NOT_RELEVANT = 9
SCORES = (1, 2, 3, 4, 5, NOT_RELEVANT)


class Kind(StrEnum):
    NEED_FOR_HELP = "need_for_help"
    SENSE = "sense"


# The guide's general scoring for the need-for-help variables, in plain words.
NEED_FOR_HELP_LEVELS: dict[int, str] = {
    1: "Ingen problemer. Klarer dette selv og trenger ikke hjelp.",
    2: "Klarer det selv, eventuelt med hjelpemidler, men det er blitt vanskeligere eller "
       "gjøres annerledes enn før. Trenger ikke hjelp fra andre.",
    3: "Middels behov for hjelp. Klarer deler av det selv, men trenger hjelp til andre deler. "
       "Den som hjelper kan gå til og fra.",
    4: "Stort behov for hjelp. Klarer deler selv, men trenger at noen er til stede hele tiden "
       "for å hjelpe, legge til rette eller veilede.",
    5: "Fullt behov for hjelp. Trenger hjelp til alt i denne aktiviteten.",
    NOT_RELEVANT: "Ikke relevant. Trengs ikke for å vurdere hjelpebehovet nå.",
}


@dataclass(frozen=True)
class Variable:
    """One IPLOS function variable: its code, label, what it covers and what each level means."""

    code: str
    label: str
    description: str
    kind: Kind = Kind.NEED_FOR_HELP
    levels: Mapping[int, str] = field(default_factory=lambda: NEED_FOR_HELP_LEVELS)


VARIABLES: tuple[Variable, ...] = (
    Variable("social_participation", "Sosial deltakelse",
             "Ta initiativ til og være sammen med andre, delta i aktiviteter og samfunnsliv."),
    Variable("daily_decisions", "Beslutninger i dagliglivet",
             "Ta avgjørelser i hverdagen: planlegge dagen, velge mellom alternativer, "
             "forstå følgene av valgene."),
    Variable("own_behaviour", "Styre atferd",
             "Styre egen atferd og oppførsel i samvær med andre, uten å skade seg selv "
             "eller andre."),
    Variable("memory", "Hukommelse",
             "Huske nylige hendelser, avtaler og hva som skal gjøres."),
    Variable("communication", "Kommunikasjon",
             "Gjøre seg forstått og forstå andre, med tale, tegn eller hjelpemidler."),
    Variable("household_work", "Alminnelig husarbeid",
             "Holde boligen ren og ryddig, vaske klær, ta ut søppel."),
    Variable("shopping", "Skaffe seg varer og tjenester",
             "Handle mat og andre varer, bestille og betale tjenester, ordne egen økonomi "
             "i hverdagen."),
    Variable("personal_hygiene", "Personlig hygiene",
             "Vaske seg, dusje eller bade, stelle hår, tenner og negler."),
    Variable("dressing", "Kle av og på seg",
             "Velge klær etter vær og anledning og kle av og på seg."),
    Variable("eating", "Spise",
             "Spise og drikke når maten er servert, få i seg nok mat og drikke."),
    Variable("cooking", "Lage mat",
             "Planlegge og lage enkle måltider, bruke komfyr og kjøkkenutstyr trygt."),
    Variable("moving_indoors", "Bevege seg innendørs",
             "Forflytte seg mellom rom og mellom seng, stol og toalett i egen bolig."),
    Variable("moving_outdoors", "Bevege seg utendørs",
             "Komme seg ut og rundt i nærmiljøet, bruke transport."),
    Variable("own_health", "Ivareta egen helse",
             "Følge opp egen helse: ta medisiner riktig, søke hjelp ved behov, "
             "følge råd fra helsepersonell."),
    Variable("toileting", "Toalett",
             "Gå på toalettet, tørke seg, stelle seg etterpå og håndtere eventuelle "
             "hjelpemidler."),
    Variable("vision", "Syn",
             "Sanse lys og farge, se størrelse, form og avstand (med briller eller andre "
             "hjelpemidler hvis de brukes).",
             kind=Kind.SENSE,
             levels={
                 1: "Ser godt, har ingen problemer.",
                 2: "Har noe redusert syn. Ser godt med briller, godt lys eller lupe. "
                    "Finner fram både hjemme og på nye steder.",
                 3: "Har dårlig syn. Kan ikke lese avis eller post, men finner fram både "
                    "hjemme og på nye steder.",
                 4: "Har svært dårlig syn. Finner fram hjemme, men ikke på nye steder.",
                 5: "Blind.",
                 NOT_RELEVANT: "Ikke relevant.",
             }),
    Variable("hearing", "Hørsel",
             "Oppfatte lyd og tale (med høreapparat eller andre hjelpemidler hvis de brukes).",
             kind=Kind.SENSE,
             levels={
                 1: "Hører godt, har ingen problemer.",
                 2: "Har noe redusert hørsel. Hører godt med høreapparat eller andre "
                    "hjelpemidler.",
                 3: "Har dårlig hørsel. Har vansker med å følge en samtale, også med "
                    "hjelpemidler.",
                 4: "Har svært dårlig hørsel. Oppfatter bare enkelte ord eller lyder.",
                 5: "Døv.",
                 NOT_RELEVANT: "Ikke relevant.",
             }),
)

BY_CODE: dict[str, Variable] = {v.code: v for v in VARIABLES}
NEED_FOR_HELP_CODES = tuple(v.code for v in VARIABLES if v.kind is Kind.NEED_FOR_HELP)
SENSE_CODES = tuple(v.code for v in VARIABLES if v.kind is Kind.SENSE)


def need_for_help_mean(scores: Mapping[str, int] | Iterable[tuple[str, int]]) -> float | None:
    """Return the mean need-for-help score, leaving out 9s and vision and hearing.

    Not an official figure: Helsedirektoratet warns that plain averages of the variables
    mislead; it is shown only to follow one person's change over time.
    """
    pairs = scores.items() if isinstance(scores, Mapping) else scores
    values = [s for code, s in pairs if code in NEED_FOR_HELP_CODES and s != NOT_RELEVANT]
    return round(fmean(values), 2) if values else None
