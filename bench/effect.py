"""Benchmark ``oppfolging effect estimate``: 50,000 persons, five years of GP extracts, < 30 s.

A list is simulated once (``oppfolging effect simulate``, cached in the work folder); then the
estimate is run as the command line runs it, in a fresh interpreter so that its time and peak
memory (VmHWM) are its own: reading the yearly extracts, building the cohort, matching,
weighting and writing the JSON.

    .venv/bin/python bench/effect.py [--persons 50000] [--years 5] [--repeat 3] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
start = time.perf_counter()
from oppfolging.effect.cli import main
code = main(["estimate", "--extracts", sys.argv[1], "--teams", sys.argv[2], "--out", sys.argv[3]])
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
status = Path("/proc/self/status")
hwm = [l for l in status.read_text().splitlines() if l.startswith("VmHWM")] if status.exists() else []
peak = int(hwm[0].split()[1]) * 1024 if hwm else usage.ru_maxrss * 1024
print(json.dumps({"code": code, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak": peak}))
"""


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--persons", type=int, default=50_000)
    p.add_argument("--years", type=int, default=5)
    p.add_argument("--effect", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "oppfolging-bench-effect")
    p.add_argument("--budget", type=float, default=30.0, help="seconds the estimate may take")
    args = p.parse_args(argv)
    folder = args.workdir / f"{args.persons}-{args.years}-{args.effect}-{args.seed}"
    if not (folder / "truth.json").exists():
        from oppfolging.effect.simulate import simulate

        summary = simulate(args.persons, args.effect, args.seed, folder, years=args.years)
        print(f"Simulated {summary.persons} persons, {args.years} years, {summary.teams} team starts, "
              f"{summary.acute_admissions} acute admissions → {folder}")
    out = folder / "estimate.json"
    runs = []
    for _ in range(args.repeat):
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(folder / "extracts"), str(folder / "teams.csv"), str(out)],
            check=True, capture_output=True, text=True,
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    result = json.loads(out.read_text())
    wall = statistics.median(r["wall"] for r in runs)
    peak = statistics.median(r["peak"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    truth = json.loads((folder / "truth.json").read_text())["rate_ratio"]
    adjusted = result["adjusted"]
    print(
        f"{args.persons} persons, {len(result['data']['extracts'])} extracts over {args.years} years: "
        f"estimate in {wall:.1f} s wall (median of {len(runs)}; {cpu:.1f} s CPU), "
        f"peak memory {peak / 2**20:.0f} MiB; {result['n_treated']} treated, "
        f"{result['n_comparison']} comparison persons; adjusted rate ratio "
        f"{adjusted['rate_ratio']:.2f} ({adjusted['ci_low']:.2f}–{adjusted['ci_high']:.2f}), "
        f"truth {truth:.2f}; naive {result['naive']['rate_ratio']:.2f}"
    )
    if wall > args.budget:
        print(f"SLOWER than the {args.budget:.0f} s budget")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
