"""Ties at the top of the reference score are ordered by the next reason, not by list order."""

from __future__ import annotations

from risk_helpers import WriteExtract

from oppfolging.risk.engine import score_extract


def test_it_breaks_ties_at_the_top_by_the_strongest_reason_then_the_next(
    write_extract: WriteExtract,
) -> None:
    young = "".join(f"y{i},,2000-01-01,F,1\n" for i in range(30))
    path = write_extract(
        {
            # b (listed first): CKD 2 + cancer 2 = 4 points, strongest 2.
            # a: three acute admissions 3 + age 50–59 1 = 4 points, strongest 3.
            # c: CKD 2 + age 1 + heart failure 1 = 4 points, strongest 2, then 1: after b.
            "patients.csv": "patient_id,national_id,birth_date,sex,gp_id\n"
            "b,,1990-01-01,F,1\nc,,1970-01-01,F,1\na,,1970-01-01,M,1\n" + young,
            "diagnoses.csv": "patient_id,date,system,code\n"
            "b,2024-01-01,ICD-10,N18\nb,2024-01-01,ICD-10,C50\n"
            "c,2024-01-01,ICD-10,N18\nc,2024-01-01,ICPC-2,K77\n",
            "hospital_stays.csv": "patient_id,admitted,discharged,acute\n"
            + "".join(f"a,2024-0{m}-01,2024-0{m}-03,true\n" for m in (3, 5, 7)),
        }
    )
    frame = score_extract(path).frame.sort("rank")
    top = frame.head(3).select("patient_id", "points", "rank").rows()
    assert top == [("a", 4.0, 1), ("b", 4.0, 2), ("c", 4.0, 3)]
    # The three share one risk (the reference risk is a percentile of the points).
    assert frame.head(3)["risk"].n_unique() == 1
    assert frame.head(3)["percentile"].to_list() == [
        100 * (33 - 1) / 33, 100 * (33 - 2) / 33, 100 * (33 - 3) / 33
    ]
