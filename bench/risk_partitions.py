"""Check at national scale that scoring in partitions gives exactly the single pass's list.

``tests/risk/test_partition.py`` proves it at 3,000 patients; this runs the same comparison on
a simulated list of ``--size`` patients (1,000,000 by default): the later extract scored with
the previous one and a follow-up list, once in one pass and once in ``--partitions`` parts by
patient id, with the reference score and with the learned model (reasons for everybody). It
asserts that every column, the order, the input hashes and the unknown-codes report are
identical, and prints each run's time.

    .venv/bin/python bench/risk_partitions.py [--size 1000000] [--partitions 3]
        [--workdir var/bench-risk]

The population and the model are cached in the work folder with the same layout as
``bench/risk_speed.py`` (``pop-<size>``, ``model.json``), so the two benchmarks share them.
A 1 M population takes a few minutes and about 3 GiB to simulate; each scoring run at 1 M
peaks at about 2.5 GiB (see docs/risk.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("var/bench-risk"))
    args = parser.parse_args()

    import polars as pl

    from oppfolging.risk.cli import read_followed_up
    from oppfolging.risk.engine import fit_model, score_extract
    from oppfolging.risk.simulate import simulate

    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    model = work / "model.json"
    if not model.exists():
        simulate(50000, 7, work / "train")
        fit_model(work / "train" / "t0", model_out=model, outcomes_from=work / "train" / "t1")
    folder = work / f"pop-{args.size}"
    if not (folder / "t1" / "extract.json").exists():
        started = time.perf_counter()
        simulate(args.size, 1, folder)
        print(f"(simulerte {args.size} pasienter på {time.perf_counter() - started:.1f} s)")
    followed = read_followed_up(folder / "followed_up.csv")

    failures = 0
    for label, chosen in (("referanseskår", None), ("lært modell", model)):
        runs = {}
        for k in (1, args.partitions):
            started = time.perf_counter()
            runs[k] = score_extract(
                folder / "t1",
                model=chosen,
                previous=folder / "t0",
                followed_up_ids=followed,
                partitions=k,
            )
            print(
                f"{label:>14s}, {k} del(er): {time.perf_counter() - started:7.1f} s, "
                f"{runs[k].frame.height} pasienter",
                flush=True,
            )
        single, parted = runs[1], runs[args.partitions]
        checks = {
            "listen (hver kolonne, rekkefølgen)": parted.frame.equals(single.frame),
            "input sha256": parted.input_sha256 == single.input_sha256,
            "forrige sha256": parted.previous_sha256 == single.previous_sha256,
            "ukjente koder": parted.unknown_codes == single.unknown_codes,
        }
        for what, same in checks.items():
            print(f"{'':>14s}  {what}: {'lik' if same else 'ULIK'}")
            failures += not same
        if not checks["listen (hver kolonne, rekkefølgen)"]:
            diff = single.frame.with_row_index().join(
                parted.frame.with_row_index(), on="index", suffix="_deler"
            )
            print(diff.filter(pl.col("patient_id") != pl.col("patient_id_deler")).head(5))
    print("Identisk med én gjennomgang." if not failures else f"{failures} avvik.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
