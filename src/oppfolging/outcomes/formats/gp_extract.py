"""A GP extract (a .zip in the format of gp-extract.md): its hospital stays and risk scores.

Read with the risk engine's reader, so the same file refused on the GP's page is refused here,
with the same messages, and with the same caps on what the zip may expand to (bytes and rows,
counted while its members are streamed out, so a zip bomb is stopped early). Stays are matched on the patients' ``national_id``; the extract covers
the two years before its ``extracted_at`` for the patients on its list.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import polars as pl
from django.conf import settings
from django.utils.translation import gettext as _

from oppfolging.effect.extracts import HISTORY_DAYS, risk_components
from oppfolging.outcomes.formats import ImportProblems, Parsed, Problem, SnapshotRow, StayRow
from oppfolging.risk.reader import ExtractError, Limits, read_extract


def unzip_limits() -> Limits:
    """Return the caps on an uploaded extract's uncompressed bytes and rows (the GP page's)."""
    return Limits(max_bytes=settings.GP_EXTRACT_MAX_UNZIPPED_MB * 1024**2, max_rows=settings.GP_EXTRACT_MAX_ROWS)


def parse(name: str, data: bytes) -> Parsed:
    """Return the extract's stays, list and risk snapshots, or raise ImportProblems."""
    with tempfile.TemporaryDirectory(prefix="oppfolging-extract-") as folder:
        path = Path(folder) / "extract.zip"
        path.write_bytes(data)
        try:
            extract = read_extract(path, limits=unzip_limits())
        except ExtractError as error:
            raise ImportProblems(
                [Problem(f"{name}: {p.file}", p.line, p.column, p.message) for p in error.problems],
                error.more,
            ) from None
    patients = extract.patients.select("pidx", "patient_id", "national_id")
    stays = extract.hospital_stays.join(patients, on="pidx", how="left")
    rows = [
        StayRow(national_id, admitted, discharged, acute,
                _("pasient %(id)s") % {"id": patient_id}, patient_id)
        for national_id, admitted, discharged, acute, patient_id in stays.select(
            "national_id", "admitted", "discharged", "acute", "patient_id"
        ).iter_rows()
    ]
    pidx, values, _labels = risk_components(extract)
    known = patients.filter(pl.col("national_id").is_not_null())
    at = {int(p): i for i, p in enumerate(pidx)}
    snapshots = []
    for p, national_id in known.select("pidx", "national_id").iter_rows():
        i = at[int(p)]
        snapshots.append(SnapshotRow(
            national_id, extract.extracted_at, float(values["risk_score"][i]),
            float(values["comorbidity"][i]),
            {k: float(v[i]) for k, v in values.items() if k not in ("risk_score", "comorbidity")},
        ))
    return Parsed(
        stays=rows,
        snapshots=snapshots,
        period=(extract.extracted_at - dt.timedelta(days=HISTORY_DAYS - 1), extract.extracted_at),
        covered=set(known["national_id"].to_list()),
    )
