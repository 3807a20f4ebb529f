"""RiskAssessment: one patient on a GP's scored risk list (gp.RiskEntry).

The list is the GP's: only the GP and those the GP authorised see it, exactly as on the page;
a municipality's system never does.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from fhir.resources.R4B.riskassessment import RiskAssessment

from oppfolging.access import policy
from oppfolging.fhir.resources.base import Param, Part, ResourceType, clean, instant, user_ref
from oppfolging.fhir.resources.patient import identifier_of
from oppfolging.fhir.search import date_filter, int_id, reference_id
from oppfolging.gp.models import RiskEntry
from oppfolging.people.models import Person


def to_fhir(entry: RiskEntry) -> dict[str, Any]:
    risk_list = entry.risk_list
    subject: dict[str, Any] = {"display": f"Pasient {entry.patient_id}"}
    if entry.national_id:
        subject["identifier"] = identifier_of(entry.national_id)
    prediction: dict[str, Any] = {"rationale": f"Rangert som nummer {entry.rank} på listen"}
    if risk_list.risk_is_probability:
        prediction["probabilityDecimal"] = round(float(entry.risk), 6)
    prediction["qualitativeRisk"] = {"text": "Høy risiko" if entry.is_high else "Ikke høy risiko"}
    return clean({
        "resourceType": "RiskAssessment",
        "id": str(entry.pk),
        "status": "final",
        "method": {"text": risk_list.model_version or "Oppfølging risikomodell"},
        "subject": subject,
        "occurrenceDateTime": instant(risk_list.finished_at or risk_list.uploaded_at),
        "performer": user_ref(risk_list.gp),
        "prediction": [prediction],
        "note": [{"text": entry.reasons}] if entry.reasons else [],
    })


def rows(caller: Any) -> QuerySet:
    if caller.user is None or not caller.is_staff:
        return RiskEntry.objects.none()
    lists = policy.risk_lists_visible_to(user=caller.user).filter(municipality__in=caller.municipalities())
    return RiskEntry.objects.filter(risk_list__in=lists).select_related("risk_list__gp")


def patient_filter(qs: QuerySet, values: list[str]) -> QuerySet:
    """Match entries by the identity number of the referenced Patient (the list has no register link)."""
    for value in values:
        ids = [i for i in (int_id(reference_id(v, "Patient")) for v in value.split(",")) if i is not None]
        numbers = Person.objects.filter(pk__in=ids).values("identity_number")
        qs = qs.filter(national_id__in=numbers)
    return qs


RESOURCE = ResourceType(
    name="RiskAssessment",
    fhir_class=RiskAssessment,
    documentation="Entries of the GP's risk lists (gp.RiskEntry); only the GP and those authorised.",
    parts=[Part(key="", model=RiskEntry, rows=rows, to_fhir=to_fhir,
                filters={"patient": patient_filter, "subject": patient_filter,
                         "date": date_filter("risk_list__uploaded_at")})],
    params=[
        Param("patient", "reference", "Patient/id (matched on the identity number)."),
        Param("subject", "reference", "Patient/id (matched on the identity number)."),
        Param("date", "date", "When the list was uploaded."),
    ],
)
