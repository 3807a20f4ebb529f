"""Command line for the risk engine: simulate, fit, score and evaluate.

``oppfolging risk …`` dispatches here before Django is imported (oppfolging/__main__.py), so it
needs no settings; ``python -m oppfolging.risk …`` and ``manage.py risk`` call it too.

The progress bar is drawn before the engine is imported: loading LightGBM and scikit-learn
takes about two seconds, and the user should see at once that the command has started.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from oppfolging.risk.reader import ExtractError, UnknownCodes


@contextlib.contextmanager
def _progress(console: Console, quiet: bool) -> Iterator[Callable[[str, float], None]]:
    """Yield a progress callback drawing one rich bar (or nothing when quiet)."""
    if quiet:
        yield lambda _step, _fraction: None
        return
    with Progress(
        TextColumn("{task.description:<32}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f} %"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("Starter", total=1.0)

        def update(step: str, fraction: float) -> None:
            bar.update(task, description=step, completed=fraction)

        yield update


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="oppfolging risk", description="Risikomotor for fastlegelister."
    )
    p.add_argument("--quiet", action="store_true", help="ingen fremdriftsvisning")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("simulate", help="lag en syntetisk populasjon (t0, t1, fasit)")
    s.add_argument("--patients", type=int, required=True)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--out", type=Path, required=True)

    f = sub.add_parser("fit", help="tilpass modell på et uttrekk og utfall")
    f.add_argument("--extract", type=Path, required=True)
    g = f.add_mutually_exclusive_group(required=True)
    g.add_argument("--outcomes-from", type=Path, help="senere uttrekk av samme liste")
    g.add_argument("--outcomes", type=Path, help="outcomes.csv")
    f.add_argument("--model", type=Path, required=True, help="modellfil som skrives")
    f.add_argument("--seed", type=int, default=0)

    c = sub.add_parser("score", help="risikoskår og prioritert liste for et uttrekk")
    c.add_argument("--extract", type=Path, required=True)
    c.add_argument("--model", type=Path, help="modellfil; uten: referanseskåren")
    c.add_argument("--previous", type=Path, help="forrige uttrekk, for «stigende risiko»")
    c.add_argument("--followed-up", type=Path, help="CSV med national_id som allerede følges opp")
    c.add_argument(
        "--explain-top",
        type=float,
        help="begrunn bare denne andelen øverst (f.eks. 0.1) og alle flaggede; standard: alle",
    )
    c.add_argument("--out", type=Path, required=True)
    c.add_argument(
        "--partitions",
        type=int,
        help="del uttrekket i så mange deler etter pasient (standard: etter størrelsen)",
    )
    c.add_argument("--json", type=Path, help="skriv et sammendrag (med ukjente koder) som JSON")
    c.add_argument("--report", type=Path, help="skriv sammendraget som HTML")

    e = sub.add_parser("evaluate", help="evaluer skårer mot utfall")
    e.add_argument("--scores", type=Path, required=True)
    g = e.add_mutually_exclusive_group(required=True)
    g.add_argument("--outcomes-from", type=Path)
    g.add_argument("--outcomes", type=Path)
    e.add_argument("--report", type=Path)
    e.add_argument("--json", type=Path)
    e.add_argument("--bootstrap", type=int, default=200)
    return p


def read_followed_up(path: Path) -> set[str]:
    """Read the national_id column of a follow-up list (any separator, UTF-8 or Windows-1252)."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    header = text.split("\n", 1)[0]
    sep = ";" if header.count(";") > header.count(",") else ","
    df = pl.read_csv(text.encode(), separator=sep, infer_schema=False)
    df = df.rename({c: c.strip().lower() for c in df.columns})
    if "national_id" not in df.columns:
        raise ValueError(f"{path.name}: kolonnen national_id mangler")
    return set(df["national_id"].drop_nulls().str.strip_chars().to_list())


def main(argv: list[str]) -> int:
    """Run one subcommand; return 0 on success, 2 on bad input (ExtractError and the like)."""
    args = _parser().parse_args(argv)
    console = Console(stderr=True, soft_wrap=True)
    try:
        with _progress(console, args.quiet) as progress:
            progress("Laster risikomotoren", 0.0)
            # Imported once the bar is up (see the module docstring).
            from oppfolging.risk import engine
            from oppfolging.risk.evaluate import render_score_report
            from oppfolging.risk.simulate import simulate

            if args.command == "simulate":
                summary = simulate(args.patients, args.seed, args.out, progress=progress)
                msg = (
                    f"Skrev {args.out}/t0 ({summary.n_t0} pasienter, {summary.t0}), "
                    f"{args.out}/t1 ({summary.n_t1}, {summary.t1}), truth.csv og followed_up.csv; "
                    f"andel akuttinnlagt: {summary.outcome_rate:.3f}"
                )
            elif args.command == "fit":
                trained = engine.fit_model(
                    args.extract,
                    model_out=args.model,
                    outcomes_from=args.outcomes_from,
                    outcomes=args.outcomes,
                    seed=args.seed,
                    progress=progress,
                )
                msg = (
                    f"Modell {trained.version}: {trained.n_train} pasienter, "
                    f"{trained.n_events} hendelser → {args.model}"
                )
            elif args.command == "score":
                followed = read_followed_up(args.followed_up) if args.followed_up else None
                result = engine.score_extract(
                    args.extract,
                    model=args.model,
                    previous=args.previous,
                    followed_up_ids=followed,
                    explain_top=args.explain_top,
                    progress=progress,
                    partitions=args.partitions,
                )
                engine.write_scores(result, args.out)
                report = engine.score_summary(result)
                if args.json:
                    args.json.write_text(
                        json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8"
                    )
                if args.report:
                    args.report.write_text(render_score_report(report), encoding="utf-8")
                msg = "\n".join(
                    [
                        f"Skåret {result.frame.height} pasienter med {result.model_version} "
                        f"(input sha256 {result.input_sha256[:12]}…) → {args.out}",
                        *result.unknown_codes.lines(),
                    ]
                )
            else:
                ev = engine.evaluate(
                    args.scores,
                    outcomes_from=args.outcomes_from,
                    outcomes=args.outcomes,
                    report=args.report,
                    json_path=args.json,
                    n_boot=args.bootstrap,
                    progress=progress,
                )
                m = ev.metrics
                msg = (
                    f"{ev.n} pasienter, {ev.events} hendelser: AUROC {m['auroc']['value']:.3f} "
                    f"({m['auroc']['ci_low']:.3f}–{m['auroc']['ci_high']:.3f}), "
                    f"kalibreringsstigning {m['calibration_slope']['value']:.2f}"
                )
                if ev.unknown_codes and ev.unknown_codes["count"]:
                    unknown = UnknownCodes.from_dict(ev.unknown_codes)
                    msg += f"\nI {args.outcomes_from}: " + "\n".join(unknown.lines())
    except ExtractError as exc:
        console.print("[bold red]Uttrekket kan ikke leses:[/]", highlight=False)
        for problem in exc.problems:
            console.print(f"  {problem}", highlight=False, markup=False)
        if exc.more:
            console.print(f"  … og {exc.more} problemer til", highlight=False)
        return 2
    except (ValueError, FileNotFoundError, pl.exceptions.PolarsError) as exc:
        console.print(f"[bold red]Feil:[/] {exc}", highlight=False)
        return 2
    print(msg)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
