"""Python function calls and queries of one page, for the kept benchmark database.

Fetches one page of `bench/scale.py` (by a part of its name) through Django's test client on a
database that script built and kept, once to warm up and once under cProfile, and prints the
total function calls, the queries and the functions with the most cumulative time. Call counts do
not depend on how busy the machine is, so they compare rounds where wall times cannot.

    .venv/bin/python bench/scale.py --persons 500 --small 50 --audit-rows 200000 --keep \\
        --database oppfolging_prof
    PYTHONPATH=src .venv/bin/python bench/profile_page.py --database oppfolging_prof \\
        --page "start, coordinator"
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="oppfolging_prof")
    parser.add_argument("--page", required=True, help="the page whose name contains this")
    parser.add_argument("--size", default=scale.LARGE, help="the municipality's number")
    parser.add_argument("--top", type=int, default=30, help="functions to print (0: none)")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key")
    args = parser.parse_args()
    scale.setup_django(args.server, args.database)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    setup_test_environment()
    size = scale.cast(args.size)
    found = [p for p in scale.pages(timezone.localdate()) if args.page.lower() in p[0].lower()]
    if not found:
        raise SystemExit(f"no page named like {args.page!r}")
    name, who, url = found[0]
    client = Client()
    client.force_login(getattr(size, who))
    client.get(url(size))
    profile = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        profile.enable()
        response = client.get(url(size))
        profile.disable()
    assert response.status_code == 200, response.status_code
    stats = pstats.Stats(profile, stream=(out := io.StringIO()))
    count = sum(1 for q in queries.captured_queries if "pg_advisory_xact_lock" not in q["sql"])
    print(f"{name} ({who}, {args.size}): {stats.total_calls:,} calls, {count} queries")  # type: ignore[attr-defined]
    if args.top:
        stats.sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
