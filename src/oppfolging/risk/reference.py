"""Score patients with a transparent reference score that needs no local outcome data.

The points are an adaptation of published scores (sources and adaptations in docs/risk.md):

* Age: the age component of the combined age–comorbidity index of Charlson et al. (1994):
  50–59 years 1 point, 60–69 2, 70–79 3, 80 and over 4.
* Conditions: the comorbidity weights of Charlson et al. (1987), mapped to our condition
  groups: heart failure, ischaemic heart disease (for myocardial infarction), stroke
  (cerebrovascular disease), dementia, COPD and asthma (chronic pulmonary disease), diabetes
  and rheumatoid arthritis (connective tissue disease) 1 point each; chronic kidney disease
  (moderate/severe renal disease) and cancer (any tumour) 2 points each.
* Prior acute admissions: the "E" component of the LACE index (van Walraven et al. 2010), one
  point per emergency visit in the previous six months up to four, adapted here to acute
  admissions in the last 12 months.
* Polypharmacy: one of the 36 equally weighted deficits of the electronic frailty index (Clegg
  et al. 2016), five or more distinct medicines; here ≥ 5 distinct ATC substances in 12 months
  scores 1 point, the weight of one Charlson condition.

The sum ranks patients; it is not a probability. ``risk`` is the patient's mid-rank percentile
within the extract (0–1), so it only says how a patient compares with the rest of the list.
"""

from __future__ import annotations

import numpy as np
import polars as pl

VERSION = "reference-1 (Charlson 1987/1994 + LACE E + eFI polypharmacy, tilpasset)"

CHARLSON_POINTS: dict[str, int] = {
    "cond_heart_failure": 1,
    "cond_ischaemic_heart": 1,
    "cond_stroke": 1,
    "cond_dementia": 1,
    "cond_copd": 1,
    "cond_asthma": 1,
    "cond_diabetes": 1,
    "cond_rheumatoid_arthritis": 1,
    "cond_ckd": 2,
    "cond_cancer": 2,
}

# Columns of the point matrix, named after the feature each is read from, so explanations
# can use the feature's value. The order also breaks ties between equal points.
POINT_COLUMNS: list[str] = ["acute_12m", *CHARLSON_POINTS, "n_atc_12m", "age"]


def reference_points(features: pl.DataFrame) -> np.ndarray:
    """Return the per-patient point contributions, one column per name in POINT_COLUMNS."""
    n = features.height
    points = np.zeros((n, len(POINT_COLUMNS)), dtype=np.float64)
    acute = features["acute_12m"].to_numpy()
    points[:, 0] = np.minimum(acute, 4)
    for j, name in enumerate(CHARLSON_POINTS, start=1):
        points[:, j] = (features[name].to_numpy() > 0) * CHARLSON_POINTS[name]
    points[:, -2] = features["n_atc_12m"].to_numpy() >= 5
    age = features["age"].to_numpy()
    points[:, -1] = np.clip(np.floor((age - 40) / 10), 0, 4)
    return points


def percentile_rank(values: np.ndarray) -> np.ndarray:
    """Return mid-rank percentiles in (0, 1): ties share the mean of their ranks."""
    n = len(values)
    if n == 0:
        return np.zeros(0)
    ranks = pl.Series(values).rank(method="average").to_numpy()
    return (ranks - 0.5) / n


def reference_score(features: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (risk as 0–1 percentile, total points, point matrix) for every patient."""
    points = reference_points(features)
    total = points.sum(axis=1)
    return percentile_rank(total), total, points
