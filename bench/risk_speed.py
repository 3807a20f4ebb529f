"""Benchmark scoring speed and peak memory against a bare Polars floor.

For each size, a population is simulated once (cached in the work folder); then, each in a
fresh subprocess so peak memory (ru_maxrss) is the run's own:

* ``model``: ``score_extract`` with the learned model → ranked list with reasons for all;
* ``model-top10``: the same, with SHAP reasons for the top 10 % and flagged patients only;
* ``reference``: the same with the reference score (reasons for all);
* ``floor``: a bare Polars read of the same CSV files plus a group-by per patient.

Extracts above ``partition.SINGLE_PASS_BYTES`` (about 2 M patients) are scored in partitions
by patient id, as the command line does (``partitions=None``), so memory stays flat.

Before the table, the time from typing ``oppfolging risk score …`` in a fresh shell (nothing
in the environment but PATH) to its first progress line on a terminal is measured.

    .venv/bin/python bench/risk_speed.py --sizes 10000,100000,1000000 [--workdir DIR] [--repeat N]
        [--modes model,model-top10,reference]

With ``--repeat N`` the floor and the modes are measured in N rounds (floor, then each mode);
the figures are medians, and each ratio is the median of the rounds' ratios, so that the drift
of a shared machine's speed over minutes does not enter the ratios (see :func:`measure`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
mode, extract, model = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
import polars as pl
from oppfolging.risk.engine import score_extract
import resource
start = time.perf_counter()
cpu0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
if mode == "floor":
    for name in ["patients", "diagnoses", "medications", "contacts", "hospital_stays"]:
        pl.read_csv(extract / f"{name}.csv").group_by("patient_id").len()
    rows = 0
else:
    result = score_extract(
        extract,
        model=None if mode == "reference" else Path(model),
        explain_top=0.1 if mode == "model-top10" else None,
        partitions=None,
    )
    rows = result.frame.height
    assert result.frame.sort("rank")["reasons"].str.len_chars().head(100).min() > 0
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime - cpu0
# The process's own peak: Linux keeps ru_maxrss across exec, so a child of a big parent would
# report the parent's peak; VmHWM starts afresh with the new program.
status = Path("/proc/self/status")
hwm = [l for l in status.read_text().splitlines() if l.startswith("VmHWM")] if status.exists() else []
peak = int(hwm[0].split()[1]) * 1024 if hwm else usage.ru_maxrss * 1024
print(json.dumps({"wall": wall, "cpu": cpu, "peak": peak, "rows": rows}))
"""


def first_progress_line(extract: Path, out: Path) -> float:
    """Return seconds from starting ``oppfolging risk score`` to its first progress output.

    The command runs on a pseudo-terminal (rich draws its bar only on a terminal) with nothing
    in its environment but PATH, as in a fresh shell.
    """
    import os
    import pty
    import select

    command = Path(sys.executable).parent / "oppfolging"
    env = {"PATH": f"{command.parent}:/usr/bin:/bin"}
    controller, terminal = pty.openpty()
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(command), "risk", "score", "--extract", str(extract), "--out", str(out)],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        env=env,
    )
    os.close(terminal)
    seen = b""
    first = float("nan")
    while True:
        ready, _, _ = select.select([controller], [], [], 600)
        if not ready:
            break
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if seen.strip():
            first = time.perf_counter() - start
            break
    # Only the start is measured: the run itself is measured below, in its own process.
    process.terminate()
    process.wait()
    os.close(controller)
    return first


def child(mode: str, extract: Path, model: Path) -> dict[str, float]:
    """Run one measurement in a fresh interpreter and return its figures."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(extract), str(model)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(modes: list[str], extract: Path, model: Path, repeat: int) -> dict[str, dict]:
    """Measure the floor and every mode in rounds; return medians and each mode's ratio.

    Each round runs the floor and then every mode, so a ratio compares runs made minutes
    apart at most: the speed of a shared machine drifts (the floor alone was seen anywhere
    from 3.4 s to 5.9 s), and ratios of runs made far apart would measure that drift. A mode's
    ratio is the median of its rounds' ratios; its wall time, CPU time and peak memory are the
    medians of its runs.
    """
    rounds = [{m: child(m, extract, model) for m in ["floor", *modes]} for _ in range(repeat)]
    result = {}
    for m in ["floor", *modes]:
        runs = [r[m] for r in rounds]
        result[m] = {
            key: statistics.median(run[key] for run in runs) for key in ("wall", "cpu", "peak")
        }
        result[m]["ratio"] = statistics.median(r[m]["wall"] / r["floor"]["wall"] for r in rounds)
        result[m]["cpu_ratio"] = statistics.median(r[m]["cpu"] / r["floor"]["cpu"] for r in rounds)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--workdir", type=Path, default=Path("var/bench-risk"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--modes", default="model,model-top10,reference", help="comma-separated subset to run"
    )
    args = parser.parse_args()
    from oppfolging.risk.engine import fit_model
    from oppfolging.risk.simulate import simulate

    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    model = work / "model.json"
    if not model.exists():
        simulate(50000, 7, work / "train")
        fit_model(work / "train" / "t0", model_out=model, outcomes_from=work / "train" / "t1")
    modes = [m for m in args.modes.split(",") if m]
    startup_done = False
    print(
        f"{'pasienter':>10s} {'rader':>11s} {'MB':>6s}  {'gulv':>14s}  "
        + "  ".join(f"{m:>20s}" for m in modes)
    )
    print(
        f"{'':>10s} {'':>11s} {'':>6s}  {'s':>6s} {'GiB':>7s}  "
        + "  ".join(f"{'s':>6s} {'GiB':>6s} {'×gulv':>6s}" for _ in modes)
    )
    for size in [int(s) for s in args.sizes.split(",")]:
        folder = work / f"pop-{size}"
        if not (folder / "t0" / "extract.json").exists():
            t = time.perf_counter()
            simulate(size, 1, folder)
            print(f"(simulerte {size} pasienter på {time.perf_counter() - t:.1f} s)")
        extract = folder / "t0"
        if not startup_done:
            seconds = first_progress_line(extract, work / "startup-scores.csv")
            print(f"(fra kommando til første fremdriftslinje: {seconds:.2f} s)", flush=True)
            startup_done = True
        files = list(extract.glob("*.csv"))
        mb = sum(f.stat().st_size for f in files) / 1e6
        rows = 0
        for f in files:
            with f.open("rb") as fh:
                rows += (
                    sum(chunk.count(b"\n") for chunk in iter(lambda fh=fh: fh.read(1 << 24), b""))
                    - 1
                )
        gib = 1024**3
        figures = measure(modes, extract, model, args.repeat)
        floor = figures["floor"]
        cells = []
        cpu = [f"cpu s: gulv {floor['cpu']:.2f}"]
        for mode in modes:
            r = figures[mode]
            cells.append(f"{r['wall']:>6.2f} {r['peak'] / gib:>6.2f} {r['ratio']:>6.2f}")
            cpu.append(f"{mode} {r['cpu']:.2f} ({r['cpu_ratio']:.1f}×)")
        print(
            f"{size:>10d} {rows:>11d} {mb:>6.0f}  {floor['wall']:>6.2f} {floor['peak'] / gib:>7.2f}  "
            + "  ".join(cells),
            flush=True,
        )
        # CPU seconds are less disturbed than wall time by other work on a shared machine.
        print(f"{'':>10s} " + ", ".join(cpu), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
