"""Evaluate risk scores against observed outcomes; write a self-contained HTML report and JSON.

Metrics: AUROC, AUPRC (average precision), Brier score, calibration slope and intercept (the
logistic recalibration ``logit P(y) = a + b·logit(p)``), calibration by deciles, and sensitivity
and PPV among the top 1, 2 and 5 %, each with a bootstrap 95 % interval. All metrics are
computed from one descending sort with per-resample weights, so 200 resamples stay cheap.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

TOP_FRACTIONS = (0.01, 0.02, 0.05)
N_BOOT = 200


@dataclass
class _Sorted:
    """Hold risks and outcomes sorted by descending risk, with equal-risk group starts."""

    risk: np.ndarray
    y: np.ndarray
    starts: np.ndarray
    logit: np.ndarray


def _prepare(risk: np.ndarray, y: np.ndarray) -> _Sorted:
    order = np.argsort(-risk, kind="stable")
    r = risk[order]
    starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
    p = np.clip(r, 1e-6, 1 - 1e-6)
    return _Sorted(r, y[order].astype(np.float64), starts, np.log(p / (1 - p)))


def _logistic_fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Fit y ~ a + b·x by weighted Newton–Raphson; return (intercept a, slope b)."""
    beta = np.zeros(2)
    for _ in range(50):
        eta = beta[0] + beta[1] * x
        p = 1.0 / (1.0 + np.exp(-eta))
        v = w * p * (1 - p)
        g = np.array([np.sum(w * (y - p)), np.sum(w * (y - p) * x)])
        h = np.array(
            [[v.sum(), np.sum(v * x)], [np.sum(v * x), np.sum(v * x * x)]]
        ) + 1e-9 * np.eye(2)
        step = np.linalg.solve(h, g)
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return float(beta[0]), float(beta[1])


def _metrics(s: _Sorted, w: np.ndarray) -> dict[str, float]:
    """Compute every metric for one weighting (all ones, or bootstrap counts)."""
    wy = w * s.y
    pos = np.add.reduceat(wy, s.starts)
    tot = np.add.reduceat(w, s.starts)
    neg = tot - pos
    n_pos, n_neg, n = pos.sum(), neg.sum(), tot.sum()
    out: dict[str, float] = {}
    if n_pos > 0 and n_neg > 0:
        neg_below = n_neg - np.cumsum(neg)
        out["auroc"] = float(np.sum(pos * (neg_below + 0.5 * neg)) / (n_pos * n_neg))
        ctot = np.cumsum(tot)
        precision = np.divide(np.cumsum(pos), ctot, out=np.zeros_like(ctot), where=ctot > 0)
        out["auprc"] = float(np.sum(pos / n_pos * precision))
    else:
        out["auroc"] = out["auprc"] = math.nan
    out["brier"] = float(np.sum(w * (s.risk - s.y) ** 2) / n)
    if n_pos > 0 and n_neg > 0:
        out["calibration_intercept"], out["calibration_slope"] = _logistic_fit(s.logit, s.y, w)
    else:
        out["calibration_intercept"] = out["calibration_slope"] = math.nan
    cw = np.cumsum(w)
    for frac in TOP_FRACTIONS:
        k = math.ceil(frac * n)
        # Take exactly k (weighted) patients from the top; ties are broken by sort order.
        take = np.clip(k - (cw - w), 0, w)
        tp = float(np.sum(take * s.y))
        key = f"{round(frac * 100)}"
        out[f"sensitivity_top{key}"] = tp / n_pos if n_pos else math.nan
        out[f"ppv_top{key}"] = tp / k if k else math.nan
    return out


def compute_metrics(
    risk: np.ndarray, y: np.ndarray, *, n_boot: int = N_BOOT, seed: int = 0
) -> dict[str, dict[str, float]]:
    """Return ``{metric: {"value", "ci_low", "ci_high"}}`` with bootstrap 95 % intervals."""
    risk = np.asarray(risk, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    s = _prepare(risk, y)
    point = _metrics(s, np.ones(len(y)))
    rng = np.random.default_rng(seed)
    boots: dict[str, list[float]] = {k: [] for k in point}
    for _ in range(n_boot):
        w = np.bincount(rng.integers(0, len(y), len(y)), minlength=len(y)).astype(np.float64)
        for k, v in _metrics(s, w).items():
            boots[k].append(v)
    result = {}
    for k, v in point.items():
        arr = np.asarray(boots[k], dtype=np.float64)
        arr = arr[np.isfinite(arr)]
        low, high = np.percentile(arr, [2.5, 97.5]) if arr.size else (math.nan, math.nan)
        result[k] = {"value": v, "ci_low": float(low), "ci_high": float(high)}
    return result


def calibration_table(risk: np.ndarray, y: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Return mean predicted risk and observed share per decile of predicted risk."""
    order = np.argsort(risk, kind="stable")
    rows = []
    for i, part in enumerate(np.array_split(order, bins)):
        if part.size == 0:
            continue
        rows.append(
            {
                "decile": i + 1,
                "n": int(part.size),
                "predicted": float(np.mean(risk[part])),
                "observed": float(np.mean(y[part])),
            }
        )
    return rows


def roc_curve_points(
    risk: np.ndarray, y: np.ndarray, points: int = 101
) -> list[tuple[float, float]]:
    """Return (false positive rate, sensitivity) at ``points`` evenly spaced list shares."""
    order = np.argsort(-risk, kind="stable")
    yy = y[order]
    tp = np.r_[0, np.cumsum(yy)]
    fp = np.r_[0, np.cumsum(1 - yy)]
    idx = np.linspace(0, len(yy), points).round().astype(int)
    n_pos = max(tp[-1], 1)
    n_neg = max(fp[-1], 1)
    return [(float(fp[i] / n_neg), float(tp[i] / n_pos)) for i in idx]


@dataclass
class Evaluation:
    """Hold everything the report shows."""

    metrics: dict[str, dict[str, float]]
    calibration: list[dict[str, float]]
    roc: list[tuple[float, float]]
    n: int
    events: int
    model_version: str
    is_probability: bool
    unknown_codes: dict[str, Any] | None = None


def evaluate_frame(
    scores: pl.DataFrame, outcomes: pl.DataFrame, *, n_boot: int = N_BOOT, seed: int = 0
) -> Evaluation:
    """Match scores (``patient_id, risk``) with outcomes on patient_id and evaluate them."""
    data = scores.select(
        pl.col("patient_id").cast(pl.String),
        pl.col("risk").cast(pl.Float64),
        *([pl.col("model_version")] if "model_version" in scores.columns else []),
    ).join(
        outcomes.select(
            pl.col("patient_id").cast(pl.String),
            pl.col("acute_admission_12m").cast(pl.Int64),
        ),
        on="patient_id",
        how="inner",
    )
    if data.height == 0:
        raise ValueError("Ingen pasienter i score-filen har et utfall.")
    risk = data["risk"].to_numpy()
    y = data["acute_admission_12m"].to_numpy()
    version = str(data["model_version"][0]) if "model_version" in data.columns else "ukjent"
    return Evaluation(
        metrics=compute_metrics(risk, y, n_boot=n_boot, seed=seed),
        calibration=calibration_table(risk, y),
        roc=roc_curve_points(risk, y),
        n=int(data.height),
        events=int(y.sum()),
        model_version=version,
        is_probability=not version.startswith("reference"),
    )


def to_json(ev: Evaluation) -> dict[str, object]:
    """Return the evaluation as a JSON-ready dict."""
    return {
        "n": ev.n,
        "events": ev.events,
        "model_version": ev.model_version,
        "risk_is_probability": ev.is_probability,
        "metrics": ev.metrics,
        "calibration_deciles": ev.calibration,
        "unknown_codes": ev.unknown_codes or {"count": 0, "by_file": {}, "examples": []},
    }


def unknown_codes_html(unknown: dict[str, Any] | None) -> str:
    """Return the report section on unknown codes set aside (how many, where, examples)."""
    e = html.escape
    if not unknown or not unknown.get("count"):
        return (
            "<h2>Ukjente koder</h2><p>Ingen ukjente koder: alle koder i uttrekket finnes i "
            "referansetabellene.</p>"
        )
    files = "".join(
        f'<tr><th scope="row">{e(name)}</th><td>{n}</td></tr>'
        for name, n in unknown["by_file"].items()
    )
    examples = "".join(
        f"<tr><td>{e(x['file'])}</td>"
        f"<td>{e(x['entry'] if x.get('entry') else 'linje ' + str(x['line']))}</td>"
        f"<td>{e(x['code'])}</td></tr>"
        for x in unknown["examples"]
    )
    return f"""<h2>Ukjente koder</h2>
<p>{unknown["count"]} koder har riktig form, men finnes ikke i motorens referansetabeller. De er
satt til side (brukes ikke i variablene som trenger en kjent kode), og listen er beregnet uten dem.</p>
<table>
<caption>Ukjente koder per fil</caption>
<thead><tr><th scope="col">Fil</th><th scope="col">Antall</th></tr></thead>
<tbody>{files}</tbody>
</table>
<table>
<caption>Eksempler (inntil 20)</caption>
<thead><tr><th scope="col">Fil</th><th scope="col">Sted</th><th scope="col">Kode</th></tr></thead>
<tbody>{examples}</tbody>
</table>
"""


def render_score_report(summary: dict[str, Any]) -> str:
    """Return a self-contained HTML report of one scoring run (what was read, what set aside)."""
    e = html.escape
    return f"""<!doctype html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Risikoberegning</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #111; line-height: 1.5; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
th, td {{ border: 1px solid #bbb; padding: 0.3rem 0.6rem; text-align: left; }}
caption {{ text-align: left; font-weight: bold; padding-bottom: 0.3rem; }}
</style>
</head>
<body>
<main>
<h1>Risikoberegning</h1>
<p>{summary["patients"]} pasienter beregnet med <code>{e(str(summary["model_version"]))}</code>
(uttrekk per {e(str(summary["extracted_at"]))}, format {e(str(summary["format"]))},
sha256 <code>{e(str(summary["input_sha256"]))}</code>).</p>
{unknown_codes_html(summary["unknown_codes"])}
</main>
</body>
</html>
"""


_LABELS = {
    "auroc": "AUROC (areal under ROC-kurven)",
    "auprc": "AUPRC (gjennomsnittlig presisjon)",
    "brier": "Brier-skår",
    "calibration_slope": "Kalibreringsstigning",
    "calibration_intercept": "Kalibreringskonstant",
    **{
        f"sensitivity_top{round(f * 100)}": f"Sensitivitet, øverste {round(f * 100)} %"
        for f in TOP_FRACTIONS
    },
    **{
        f"ppv_top{round(f * 100)}": f"Positiv prediktiv verdi, øverste {round(f * 100)} %"
        for f in TOP_FRACTIONS
    },
}


def _fmt(v: float) -> str:
    return "–" if not math.isfinite(v) else f"{v:.3f}".replace(".", ",")


def _svg_plot(
    title: str,
    desc: str,
    xlabel: str,
    ylabel: str,
    series: list[tuple[float, float]],
    limit: float,
    *,
    markers: bool,
    ident: str,
) -> str:
    """Draw a square line plot with a diagonal reference line as inline SVG."""
    size, pad = 360, 48
    span = size - 2 * pad

    def px(x: float) -> float:
        return pad + span * x / limit

    def py(y: float) -> float:
        return size - pad - span * y / limit

    ticks = []
    for i in range(6):
        v = limit * i / 5
        ticks.append(
            f'<line x1="{px(v):.1f}" y1="{py(0):.1f}" x2="{px(v):.1f}" y2="{py(0) + 5:.1f}" stroke="#333"/>'
            f'<text x="{px(v):.1f}" y="{py(0) + 18:.1f}" text-anchor="middle" font-size="11">{_fmt(v)[:4]}</text>'
            f'<line x1="{px(0) - 5:.1f}" y1="{py(v):.1f}" x2="{px(0):.1f}" y2="{py(v):.1f}" stroke="#333"/>'
            f'<text x="{px(0) - 8:.1f}" y="{py(v) + 4:.1f}" text-anchor="end" font-size="11">{_fmt(v)[:4]}</text>'
        )
    path = " ".join(f"{px(min(x, limit)):.1f},{py(min(y, limit)):.1f}" for x, y in series)
    dots = (
        "".join(
            f'<circle cx="{px(min(x, limit)):.1f}" cy="{py(min(y, limit)):.1f}" r="3.5" fill="#1f5fa8"/>'
            for x, y in series
        )
        if markers
        else ""
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" role="img" aria-labelledby="{ident}-t {ident}-d">'
        f'<title id="{ident}-t">{html.escape(title)}</title>'
        f'<desc id="{ident}-d">{html.escape(desc)}</desc>'
        f'<rect x="{pad}" y="{pad}" width="{span}" height="{span}" fill="#fff" stroke="#999"/>'
        f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(limit)}" y2="{py(limit)}" stroke="#999" stroke-dasharray="4 4"/>'
        f"{''.join(ticks)}"
        f'<polyline points="{path}" fill="none" stroke="#1f5fa8" stroke-width="2"/>{dots}'
        f'<text x="{size / 2}" y="{size - 8}" text-anchor="middle" font-size="12">{html.escape(xlabel)}</text>'
        f'<text x="14" y="{size / 2}" text-anchor="middle" font-size="12" '
        f'transform="rotate(-90 14 {size / 2})">{html.escape(ylabel)}</text>'
        "</svg>"
    )


def render_html(ev: Evaluation, *, title: str = "Evaluering av risikoskår") -> str:
    """Return a self-contained, accessible HTML report (lang="nb", tables beside plots)."""
    e = html.escape
    rows = "".join(
        f'<tr><th scope="row">{e(_LABELS.get(k, k))}</th><td>{_fmt(v["value"])}</td>'
        f"<td>{_fmt(v['ci_low'])}–{_fmt(v['ci_high'])}</td></tr>"
        for k, v in ev.metrics.items()
    )
    limit = max(
        0.05,
        *(r["predicted"] for r in ev.calibration),
        *(r["observed"] for r in ev.calibration),
    )
    limit = math.ceil(limit * 20) / 20
    cal_svg = _svg_plot(
        "Kalibreringsplott",
        "Observert andel med akuttinnleggelse mot gjennomsnittlig predikert risiko i hver "
        "tidel av pasientene. Punkter på den stiplede linjen betyr god kalibrering. "
        "Tallene står i tabellen under.",
        "Predikert risiko",
        "Observert andel",
        [(r["predicted"], r["observed"]) for r in ev.calibration],
        limit,
        markers=True,
        ident="kal",
    )
    cal_rows = "".join(
        f'<tr><th scope="row">{r["decile"]}</th><td>{r["n"]}</td>'
        f"<td>{_fmt(r['predicted'])}</td><td>{_fmt(r['observed'])}</td></tr>"
        for r in ev.calibration
    )
    roc_svg = _svg_plot(
        "ROC-kurve",
        "Sensitivitet mot andel falske positive når listen leses ovenfra. Den stiplede "
        "linjen er tilfeldig rangering. Utvalgte punkter står i tabellen under.",
        "Andel falske positive",
        "Sensitivitet",
        ev.roc,
        1.0,
        markers=False,
        ident="roc",
    )
    roc_rows = "".join(
        f'<tr><th scope="row">{round(100 * i / (len(ev.roc) - 1))} %</th>'
        f"<td>{_fmt(fpr)}</td><td>{_fmt(tpr)}</td></tr>"
        for i, (fpr, tpr) in enumerate(ev.roc)
        if i in (1, 2, 5, 10, 20, 50)
    )
    note = (
        ""
        if ev.is_probability
        else "<p><strong>Merk:</strong> referanseskåren er en rangering (persentil i listen), "
        "ikke en sannsynlighet. Brier-skår og kalibrering er derfor ikke meningsfulle for den; "
        "se AUROC, AUPRC, sensitivitet og PPV.</p>"
    )
    return f"""<!doctype html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #111; line-height: 1.5; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
th, td {{ border: 1px solid #bbb; padding: 0.3rem 0.6rem; text-align: left; }}
td {{ font-variant-numeric: tabular-nums; }}
caption {{ text-align: left; font-weight: bold; padding-bottom: 0.3rem; }}
figure {{ margin: 1rem 0; }}
</style>
</head>
<body>
<main>
<h1>{e(title)}</h1>
<p>Utfall: akuttinnleggelse innen 365 dager etter uttrekksdato. Pasienter med kjent utfall:
{ev.n} (hendelser: {ev.events}, andel {_fmt(ev.events / ev.n if ev.n else math.nan)}).
Modellversjon: <code>{e(ev.model_version)}</code>.
Konfidensintervallene er 95 % bootstrap-intervaller ({N_BOOT} trekninger).</p>
{note}
<h2>Nøkkeltall</h2>
<table>
<caption>Mål på diskriminering, kalibrering og treff øverst på listen</caption>
<thead><tr><th scope="col">Mål</th><th scope="col">Verdi</th><th scope="col">95 % KI</th></tr></thead>
<tbody>{rows}</tbody>
</table>
<h2>Kalibrering</h2>
<figure>{cal_svg}<figcaption>Kalibrering per tidel av predikert risiko.</figcaption></figure>
<table>
<caption>Kalibrering per tidel (tabellversjon av plottet)</caption>
<thead><tr><th scope="col">Tidel</th><th scope="col">Pasienter</th>
<th scope="col">Predikert risiko</th><th scope="col">Observert andel</th></tr></thead>
<tbody>{cal_rows}</tbody>
</table>
<h2>ROC-kurve</h2>
<figure>{roc_svg}<figcaption>ROC-kurve for rangeringen.</figcaption></figure>
<table>
<caption>Utvalgte punkter på ROC-kurven (tabellversjon av plottet)</caption>
<thead><tr><th scope="col">Andel av listen lest</th><th scope="col">Andel falske positive</th>
<th scope="col">Sensitivitet</th></tr></thead>
<tbody>{roc_rows}</tbody>
</table>
{unknown_codes_html(ev.unknown_codes) if ev.unknown_codes is not None else ""}
</main>
</body>
</html>
"""


def write_report(ev: Evaluation, *, html_path: Path | None, json_path: Path | None) -> None:
    """Write the HTML report and/or the JSON metrics."""
    if html_path is not None:
        Path(html_path).write_text(render_html(ev), encoding="utf-8")
    if json_path is not None:
        Path(json_path).write_text(
            json.dumps(to_json(ev), ensure_ascii=False, indent=2), encoding="utf-8"
        )
