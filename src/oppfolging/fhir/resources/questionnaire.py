"""Questionnaire: PSFS («Hva er viktig for deg?») and IPLOS, as the assessments record them.

Not personal data: the same two definitions for every caller.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire

from oppfolging.assessments import iplos
from oppfolging.fhir.resources.base import ResourceType, clean

PSFS_URL = "urn:oppfolging:questionnaire:psfs"
IPLOS_URL = "urn:oppfolging:questionnaire:iplos"


def psfs() -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire", "id": "psfs", "url": PSFS_URL, "name": "PSFS",
        "title": "Hva er viktig for deg? (Patient-Specific Functional Scale)", "status": "active",
        "subjectType": ["Patient"],
        "description": "Aktiviteter som er viktige og vanskelige for personen, hver skåret 0–10 "
                       "(0 = klarer ikke, 10 = klarer som før; retningen lagres).",
        "item": [
            {"linkId": "direction", "text": "Retning på skalaen", "type": "choice", "required": False,
             "answerOption": [{"valueCoding": {"system": PSFS_URL, "code": "higher_is_better",
                                               "display": "0 = klarer ikke, 10 = klarer som før"}},
                              {"valueCoding": {"system": PSFS_URL, "code": "lower_is_better",
                                               "display": "0 = klarer som før, 10 = klarer ikke"}}]},
            {"linkId": "activity", "text": "Aktivitet", "type": "group", "repeats": True, "item": [
                {"linkId": "activity.text", "text": "Aktiviteten med personens egne ord", "type": "string",
                 "required": True},
                {"linkId": "activity.score", "text": "Skår 0–10", "type": "integer", "required": True},
            ]},
        ],
    }


def iplos_questionnaire() -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire", "id": "iplos", "url": IPLOS_URL, "name": "IPLOS",
        "title": "IPLOS: behov for bistand", "status": "active", "subjectType": ["Patient"],
        "description": "Skår 1 (ingen problemer) til 5 (fullt bistandsbehov); 9 = ikke relevant.",
        "item": [{"linkId": v.code, "text": str(v.label), "type": "integer"} for v in iplos.VARIABLES],
    }


def computed(caller: Any, params: dict[str, list[str]]) -> list[tuple[str, dict[str, Any], Any]]:
    wanted = {v for value in params.get("_id", []) for v in value.split(",")}
    items = [clean(psfs()), clean(iplos_questionnaire())]
    return [(q["id"], q, None) for q in items if not wanted or q["id"] in wanted]


RESOURCE = ResourceType(
    name="Questionnaire",
    fhir_class=Questionnaire,
    documentation="The PSFS and IPLOS questionnaires (ids `psfs`, `iplos`).",
    parts=[],
    computed=computed,
)
