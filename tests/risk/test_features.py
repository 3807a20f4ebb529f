"""Tests for per-patient features on hand-made patients whose features are known."""

from __future__ import annotations

import polars as pl
from risk_helpers import WriteExtract

from oppfolging.risk.features import FEATURE_NAMES, FEATURES, compute_features
from oppfolging.risk.reader import read_extract

PATIENTS = (
    "patient_id,birth_date,sex,gp_id\n"
    "old,1940-06-01,F,1\n"  # 84 at 2025-01-01 (birthday not yet passed)
    "young,2000-01-01,M,1\n"  # exactly 25 on extracted_at
    "none,1980-01-02,U,1\n"
)


def features_of(write_extract: WriteExtract, files: dict[str, str]) -> dict[str, dict]:
    ext = read_extract(write_extract({"patients.csv": PATIENTS, **files}))
    df = compute_features(ext)
    return {row["patient_id"]: row for row in df.iter_rows(named=True)}


def test_it_documents_every_feature() -> None:
    assert FEATURE_NAMES == list(FEATURES)
    assert all(len(v) == 2 and v[0] and v[1] for v in FEATURES.values())


def test_it_computes_age_and_sex(write_extract: WriteExtract) -> None:
    f = features_of(write_extract, {})
    assert (f["old"]["age"], f["young"]["age"], f["none"]["age"]) == (84, 25, 44)
    assert (f["old"]["sex_female"], f["young"]["sex_female"]) == (1, 0)


def test_it_maps_icpc2_and_icd10_codes_to_condition_groups(write_extract: WriteExtract) -> None:
    f = features_of(
        write_extract,
        {
            "diagnoses.csv": "patient_id,date,system,code\n"
            "old,2020-01-01,ICPC-2,K77\n"
            "old,2024-03-01,ICD-10,I50.9\n"  # the latest code is kept for the explanation
            "old,2024-03-01,ICD-10,E119\n"
            "old,2024-03-01,ICPC-2,R74\n"  # a cold is no chronic condition
            "young,2024-01-01,ICPC-2,P16\n"
            "young,2024-01-01,ICD-10,N18.3\n"
            "young,2025-06-01,ICPC-2,K90\n",  # after extracted_at: ignored
        },
    )
    old, young = f["old"], f["young"]
    assert old["cond_heart_failure"] == 1 and old["code_heart_failure"] == "I50.9"
    assert old["cond_diabetes"] == 1 and old["n_conditions"] == 2
    assert young["cond_substance_use"] == 1 and young["cond_ckd"] == 1
    assert young["cond_stroke"] == 0 and young["n_conditions"] == 2
    assert f["none"]["n_conditions"] == 0


def test_it_counts_medicines_contacts_and_stays_in_windows(write_extract: WriteExtract) -> None:
    f = features_of(
        write_extract,
        {
            "medications.csv": "patient_id,date,atc\n"
            "old,2024-12-31,C03CA01\nold,2024-06-01,C03CA01\nold,2024-06-01,B01AF02\n"
            "old,2024-01-02,N02AA01\n"  # last 12 months start after 2024-01-02
            "old,2023-06-01,N02AA01\n",
            "contacts.csv": "patient_id,date,kind\n"
            + "old,2024-05-01,consultation\n" * 3
            + "old,2024-07-01,out_of_hours\n"
            + "old,2023-05-01,phone\n",
            "hospital_stays.csv": "patient_id,admitted,discharged,acute\n"
            "old,2024-12-20,,true\n"  # still admitted: 12 nights up to 2025-01-01
            "old,2024-03-01,2024-03-04,false\n"
            "old,2023-08-01,2023-08-02,true\n",
        },
    )
    old = f["old"]
    assert old["n_atc_12m"] == 2
    assert old["n_atc_prev_12m"] == 1
    assert old["med_loop_diuretic"] == 1 and old["med_anticoagulant"] == 1
    assert old["med_opioid"] == 0
    assert old["contacts_consultation_12m"] == 3
    assert old["contacts_out_of_hours_12m"] == 1
    assert old["contacts_12m"] == 4 and old["contacts_prev_12m"] == 1
    assert old["contacts_delta"] == 3 and old["out_of_hours_delta"] == 1
    assert old["stays_12m"] == 2 and old["acute_12m"] == 1 and old["acute_prev_12m"] == 1
    assert old["acute_delta"] == 0
    assert old["bed_days_12m"] == 12 + 3
    assert old["days_since_acute"] == 12
    assert f["young"]["days_since_acute"] == 999
    assert f["young"]["contacts_12m"] == 0


def test_it_returns_one_row_per_patient_in_list_order(write_extract: WriteExtract) -> None:
    ext = read_extract(write_extract({"patients.csv": PATIENTS}))
    df = compute_features(ext)
    assert df["patient_id"].to_list() == ["old", "young", "none"]
    assert df.select(FEATURE_NAMES).null_count().sum_horizontal().item() == 0
    assert all(dt == pl.Float64 for dt in df.select(FEATURE_NAMES).schema.values())
