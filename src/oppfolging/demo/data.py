"""The synthetic municipalities: names, services and staff. All people here are invented."""

from __future__ import annotations

import secrets
from functools import cache

from oppfolging.accounts.models import Role
from oppfolging.catalogue.models import Sector


@cache
def demo_password() -> str:
    """Return the password this run gives new demo users: random, so no installation shares one.

    The demo's sign-in page signs in with one click and needs no password; the command prints
    this one for those who want to sign in by name.
    """
    return secrets.token_urlsafe(12)


# Fictional municipalities with numbers outside the range in use.
MUNICIPALITIES = [
    ("9901", "Fjordvik kommune", 42),
    ("9902", "Åsdal kommune", 14),
    ("9903", "Nordhavn kommune", 3),
]

# name, sector, description, target group, how to get it, phone
SERVICES = [
    ("Koordinerende enhet", Sector.HEALTH_AND_CARE,
     "Tar imot meldinger om behov for koordinerte tjenester, individuell plan og koordinator. "
     "Har oversikt over alle som har plan, team eller koordinator, og lærer opp koordinatorene.",
     "Alle som trenger flere tjenester over tid, og deres pårørende.",
     "Ring oss, send melding i skjemaet på kommunens nettside, eller be fastlegen eller en "
     "tjeneste du har om å melde behovet for deg.", "11 22 33 00"),
    ("Hjemmesykepleien", Sector.HEALTH_AND_CARE,
     "Helsehjelp i hjemmet: medisiner, sårstell, oppfølging av kronisk sykdom og observasjon.",
     "Hjemmeboende som trenger helsehjelp, i alle aldre.",
     "Søk til tildelingskontoret. Fastlegen eller sykehuset kan også sende søknad.", "11 22 33 10"),
    ("Tildelingskontoret", Sector.HEALTH_AND_CARE,
     "Behandler søknader om helse- og omsorgstjenester og fatter vedtak.",
     "Alle som søker helse- og omsorgstjenester.",
     "Søknadsskjema på nett eller papir. Du kan få hjelp til å fylle det ut.", "11 22 33 11"),
    ("Psykisk helse og rus", Sector.HEALTH_AND_CARE,
     "Samtaler, oppfølging i hverdagen, lavterskeltilbud og hjelp ved rusproblemer.",
     "Voksne med psykiske plager eller rusproblemer, og pårørende.",
     "Ta kontakt direkte – du trenger ikke henvisning.", "11 22 33 20"),
    ("Fysio- og ergoterapi", Sector.HEALTH_AND_CARE,
     "Trening, rehabilitering, hjelpemidler og tilrettelegging av bolig.",
     "Barn og voksne med nedsatt funksjon.",
     "Ta kontakt direkte, eller bli henvist fra fastlegen.", "11 22 33 30"),
    ("Demensteamet", Sector.HEALTH_AND_CARE,
     "Utredning og oppfølging ved mistanke om demens, og veiledning av pårørende.",
     "Personer med hukommelsesproblemer og deres pårørende.",
     "Fastlegen henviser, eller du tar kontakt selv.", "11 22 33 31"),
    ("Miljøtjenesten", Sector.HEALTH_AND_CARE,
     "Praktisk bistand og opplæring i dagliglivet for personer med utviklingshemming.",
     "Personer med utviklingshemming og andre med store hjelpebehov.",
     "Søk til tildelingskontoret.", "11 22 33 32"),
    ("Helsestasjon og skolehelsetjenesten", Sector.HEALTH_AND_CARE,
     "Helsesykepleier for barn og unge 0–20 år, vaksiner og samtaler.",
     "Barn, unge og foreldre.", "Ta kontakt direkte.", "11 22 33 40"),
    ("Fjordvik legesenter", Sector.GP,
     "Fastleger med ansvar for medisinsk oppfølging av pasientene på sine lister.",
     "Alle som står på listen til en fastlege ved senteret.",
     "Bytt fastlege på helsenorge.no, eller ring legesenteret.", "11 22 44 00"),
    ("Sentrum legekontor", Sector.GP,
     "Fastlegekontor med legevaktsamarbeid.", "Pasienter på legenes lister.",
     "Ring legekontoret.", "11 22 44 10"),
    ("NAV Fjordvik", Sector.NAV,
     "Arbeid, økonomisk sosialhjelp, kvalifiseringsprogram og hjelp med økonomi og gjeld.",
     "Alle som trenger hjelp til arbeid eller økonomi.",
     "Logg inn på nav.no eller møt opp på NAV-kontoret.", "55 55 33 33"),
    ("Fjordvik skole", Sector.EDUCATION,
     "Barne- og ungdomsskole med spesialundervisning og miljøarbeider.",
     "Elever 1.–10. trinn.", "Ta kontakt med kontaktlærer eller rektor.", "11 22 55 00"),
    ("Solsikken barnehage", Sector.EDUCATION,
     "Kommunal barnehage med spesialpedagogisk hjelp.", "Barn 1–5 år.",
     "Søk barnehageplass på kommunens nettside.", "11 22 55 10"),
    ("PP-tjenesten", Sector.EDUCATION,
     "Sakkyndig vurdering av behov for spesialundervisning og spesialpedagogisk hjelp.",
     "Barn og unge i barnehage og skole.",
     "Barnehagen eller skolen henviser, med samtykke fra foreldrene.", "11 22 55 20"),
    ("Barneverntjenesten", Sector.CHILD_WELFARE,
     "Råd, veiledning og hjelpetiltak for barn og familier.",
     "Barn og familier som trenger hjelp.", "Alle kan ta kontakt, også anonymt.", "11 22 66 00"),
    ("BUP Fjordvik", Sector.SPECIALIST,
     "Barne- og ungdomspsykiatrisk poliklinikk i spesialisthelsetjenesten.",
     "Barn og unge under 18 år.", "Henvisning fra fastlege eller barnevern.", "77 88 99 00"),
    ("Fjordvik DPS", Sector.SPECIALIST,
     "Distriktspsykiatrisk senter med poliklinikk og ambulant team.",
     "Voksne med psykiske lidelser.", "Henvisning fra fastlege.", "77 88 99 10"),
    ("Geriatrisk poliklinikk, sykehuset", Sector.SPECIALIST,
     "Utredning av eldre med sammensatte sykdommer og funksjonsfall.",
     "Eldre med flere sykdommer.", "Henvisning fra fastlege.", "77 88 99 20"),
    ("Boligkontoret", Sector.HOUSING,
     "Kommunal bolig, startlån, bostøtte og tilpasning av bolig.",
     "Alle som har vanskelig for å skaffe eller beholde bolig.",
     "Søk på kommunens nettside eller møt opp.", "11 22 77 00"),
    ("Frivilligsentralen", Sector.OTHER,
     "Besøksvenn, følgetjeneste, aktiviteter og sosiale møteplasser.",
     "Alle som ønsker en aktivitet eller noen å snakke med.", "Ta kontakt direkte.", "11 22 88 00"),
]

# username suffix, first name, last name, title, role, service name
STAFF = [
    ("ke", "Ingrid", "Solberg", "Rådgiver, koordinerende enhet", Role.COORDINATING_UNIT, "Koordinerende enhet"),
    ("koordinator", "Marte", "Haugen", "Sykepleier og koordinator", Role.COORDINATOR, "Hjemmesykepleien"),
    ("koordinator2", "Jonas", "Berg", "Miljøterapeut og koordinator", Role.COORDINATOR, "Psykisk helse og rus"),
    ("teamdeltaker", "Sofie", "Lunde", "Ergoterapeut", Role.TEAM_MEMBER, "Fysio- og ergoterapi"),
    ("nav", "Ahmed", "Hassan", "NAV-veileder", Role.TEAM_MEMBER, "NAV Fjordvik"),
    ("fastlege", "Erik", "Dahl", "Fastlege", Role.GP, "Fjordvik legesenter"),
    ("fastlege2", "Hanne", "Moe", "Fastlege", Role.GP, "Sentrum legekontor"),
    ("leder", "Tone", "Eide", "Kommunalsjef helse og omsorg", Role.LEADER, None),
    ("admin", "Ola", "Strand", "Systemansvarlig", Role.ADMINISTRATOR, None),
    ("barnevern", "Kristin", "Nygård", "Saksbehandler i barneverntjenesten", Role.TEAM_MEMBER, "Barneverntjenesten"),
    ("skole", "Ida", "Lunde", "Kontaktlærer", Role.TEAM_MEMBER, "Fjordvik skole"),
]

# Plan templates the coordinating unit keeps: name, who it is for, sections (title, guidance),
# goal areas with suggested measures, suggested services, meeting interval in weeks.
PLAN_TEMPLATES = [
    ("Barn med barnekoordinator",
     "Barn med alvorlig sykdom, skade eller nedsatt funksjonsevne, og familien rundt dem.",
     [("Barnets egne ord", "Hva barnet sier er viktig, med ord tilpasset alderen."),
      ("Familien og hverdagen", "Foreldre, søsken, avlastning og det som gjør hverdagen tung eller god."),
      ("Barnehage, skole og PPT", "Tilrettelegging, sakkyndig vurdering, assistent."),
      ("Helse og habilitering", "Fastlege, helsestasjon, habiliteringstjenesten, fysioterapi."),
      ("Barnevern", "Bare det barneverntjenesten selv velger å dele.")],
     [("Lek og venner", ["Støttekontakt", "Tilrettelagt fritidsaktivitet"]),
      ("Barnehage og skole", ["Spesialpedagogisk hjelp", "Assistent i barnehagen eller skolen"]),
      ("Avlastning for familien", ["Avlastning i bolig annenhver helg", "Omsorgsstønad"])],
     ["Helsestasjon og skolehelsetjenesten", "PP-tjenesten", "Fjordvik skole", "Solsikken barnehage",
      "Fysio- og ergoterapi", "Barneverntjenesten"], 6),
    ("Eldre som bor hjemme",
     "Eldre med flere sykdommer som vil bo hjemme så lenge som mulig.",
     [("Hva er viktig for meg", "Med personens egne ord."),
      ("Hverdagen hjemme", "Måltider, medisiner, hygiene, å komme seg ut."),
      ("Helse", "Fastlege, hjemmesykepleie, legemiddelgjennomgang, fall."),
      ("Pårørende", "Hva pårørende bidrar med, og hva de trenger selv.")],
     [("Klare seg selv hjemme", ["Hverdagsrehabilitering", "Trygghetsalarm", "Hjelpemidler"]),
      ("Medisiner", ["Multidose", "Legemiddelgjennomgang med fastlegen"]),
      ("Sosialt liv", ["Dagaktivitet", "Besøksvenn fra Frivilligsentralen"])],
     ["Hjemmesykepleien", "Fysio- og ergoterapi", "Demensteamet", "Frivilligsentralen"], 8),
    ("Psykisk helse og rus",
     "Voksne med psykiske plager og rusproblemer som trenger flere tjenester samtidig.",
     [("Hva er viktig for meg", "Med personens egne ord."),
      ("Bolig og økonomi", "Trygg bolig, husleie, gjeld, NAV."),
      ("Helse og behandling", "DPS, fastlege, LAR, kommunens psykisk helse- og rustjeneste."),
      ("Arbeid og aktivitet", "Arbeidstrening, kvalifiseringsprogram, meningsfull dag."),
      ("Kriseplan", "Hva som skjer når det går dårlig, og hvem som skal ringes.")],
     [("Bo trygt", ["Oppfølging i bolig", "Hjelp med husleie og regninger"]),
      ("Rusfri eller mindre rus", ["Samtaler hos psykisk helse og rus", "Henvisning til behandling"]),
      ("Arbeid og aktivitet", ["Arbeidsavklaring hos NAV", "Lavterskel aktivitetstilbud"])],
     ["Psykisk helse og rus", "NAV Fjordvik", "Fjordvik DPS", "Boligkontoret"], 4),
]

GIVEN_F = ["Emma", "Nora", "Ingrid", "Sara", "Maja", "Ida", "Astrid", "Solveig", "Kari", "Eva",
           "Leah", "Amalie", "Hedda", "Liv", "Randi", "Bjørg", "Aisha", "Zofia", "Thea", "Mari"]
GIVEN_M = ["Jakob", "Emil", "Noah", "Oskar", "Lukas", "Filip", "Henrik", "Olav", "Arne", "Knut",
           "Per", "Magnus", "Sander", "Ali", "Tobias", "Johannes", "Leif", "Kristian", "Even", "Tor"]
FAMILY = ["Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
          "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen",
          "Johannessen", "Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Lie",
          "Sæther", "Bakken", "Nygård", "Strøm", "Aas", "Myklebust", "Øvrebø"]
STREETS = ["Fjordveien", "Storgata", "Kirkebakken", "Skoleveien", "Åsveien", "Havnegata",
           "Granlia", "Bjørkeveien", "Solbakken", "Elvegata"]
