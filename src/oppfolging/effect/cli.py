"""Command line for the effect engine: ``oppfolging effect estimate|simulate``.

``oppfolging effect …`` is dispatched here by :mod:`oppfolging.__main__` without loading
Django, so it runs in a fresh shell without SECRET_KEY, DEBUG or a database;
``python -m oppfolging.effect …`` does the same.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from oppfolging.effect.estimate import Settings, estimate
from oppfolging.effect.extracts import HISTORY_DAYS, cohort_from_extracts, read_extracts, read_teams
from oppfolging.effect.simulate import simulate
from oppfolging.risk.reader import ExtractError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="oppfolging effect",
        description="Hadde teamet effekt? Akuttinnleggelser før og etter, mot en sammenligningsgruppe.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    e = sub.add_parser("estimate", help="anslå effekten fra årlige fastlegeuttrekk")
    e.add_argument("--extracts", type=Path, required=True, help="mappe med ett uttrekk per undermappe")
    e.add_argument("--teams", type=Path, required=True, help="CSV med patient_id,team_start")
    e.add_argument("--out", type=Path, required=True, help="JSON-fil som skrives")
    e.add_argument("--min-treated", type=int, default=Settings.min_treated,
                   help="færre matchede personer med team enn dette: «for få til å anslå»")
    e.add_argument("--calendar-days", type=int, default=Settings.calendar_days,
                   help="sammenlign med personer slik de var på dager da et team startet, "
                   "innen så mange dager (standard 14)")
    e.add_argument("--history-days", type=int, default=HISTORY_DAYS,
                   help="dager bakover hvert uttrekk dekker (standard 730)")

    s = sub.add_parser("simulate", help="lag en syntetisk befolkning med kjent effekt")
    s.add_argument("--persons", type=int, required=True)
    s.add_argument("--effect", type=float, required=True, help="0.2 betyr rateratio 0,8")
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--years", type=int, default=5, help="år med innleggelser (standard 5)")
    s.add_argument("--hidden", type=float, default=0.0,
                   help="teamvalg som også avhenger av det ingen data viser (standard 0)")
    return p


def _text(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def main(argv: list[str]) -> int:
    """Run one subcommand; return 0 on success, 2 on bad input."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "simulate":
            summary = simulate(
                args.persons, args.effect, args.seed, args.out, years=args.years, hidden=args.hidden
            )
            print(
                f"Skrev {len(summary.extracts)} uttrekk under {args.out}/extracts, "
                f"{summary.teams} teamstarter i teams.csv og truth.json "
                f"(sann rateratio {summary.rate_ratio:.2f}); "
                f"{summary.acute_admissions} akuttinnleggelser."
            )
            return 0
        starts, repeated = read_teams(args.teams)
        extracts = read_extracts(args.extracts)
        cohort, report = cohort_from_extracts(extracts, starts, history_days=args.history_days)
        report.teams_repeated = repeated
        settings = Settings(
            min_treated=args.min_treated,
            calendar_days=args.calendar_days,
            history_days=args.history_days,
        )
        result = estimate(cohort, settings)
    except ExtractError as error:
        print("Filene kan ikke leses:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        if error.more:
            print(f"  … og {error.more} problemer til", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError) as error:
        print(f"Feil: {error}", file=sys.stderr)
        return 2
    document = result.as_json()
    document["data"] = report.as_json()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if result.status != "ok":
        print(f"For få til å anslå: {result.n_treated} personer med team kunne sammenlignes "
              f"(minst {settings.min_treated} trengs). Skrev {args.out}.")
        return 0
    naive, adjusted = result.naive, result.adjusted
    print(
        f"Naiv før/etter: rateratio {_text(naive.rate_ratio)} "
        f"({_text(naive.ci_low)}–{_text(naive.ci_high)}); "
        f"justert mot sammenligningsgruppe: {_text(adjusted.rate_ratio)} "
        f"({_text(adjusted.ci_low)}–{_text(adjusted.ci_high)}); "
        f"{result.n_treated} med team, {result.n_comparison} i sammenligningsgruppen. "
        f"Skrev {args.out}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
