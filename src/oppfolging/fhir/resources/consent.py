"""Consent: what the person (or a guardian) consented to, and its withdrawal (teams.Consent)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from fhir.resources.R4B.consent import Consent as FhirConsent

from oppfolging.fhir.resources.base import (
    CODE_BASE,
    Param,
    Part,
    ResourceType,
    clean,
    concept,
    day,
    instant,
    patient_ref,
    persons_rows,
    ref,
)
from oppfolging.fhir.search import date_filter
from oppfolging.teams.models import Consent, ConsentScope, GivenBy

SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope"
CATEGORY_SYSTEM = CODE_BASE + "consent-scope"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def to_fhir(consent: Consent) -> dict[str, Any]:
    person = consent.person
    actors = []
    if consent.service is not None:
        # Consent.provision.actor cannot point at a HealthcareService; the service is named.
        actors.append({"role": concept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP",
                                       "information recipient"),
                       "reference": {"display": consent.service.name}})
    if consent.related_person is not None:
        actors.append({"role": concept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP",
                                       "information recipient"),
                       "reference": ref("RelatedPerson", consent.related_person_id, consent.related_person.full_name)})
    performer = patient_ref(person)
    if consent.given_by == GivenBy.GUARDIAN and consent.given_by_related is not None:
        performer = ref("RelatedPerson", consent.given_by_related_id, consent.given_by_related.full_name)
    scope_code = "treatment" if consent.scope == ConsentScope.TEAM_AND_PLAN else "patient-privacy"
    return clean({
        "resourceType": "Consent",
        "id": str(consent.pk),
        "status": "active" if consent.is_active else "inactive",
        "scope": concept(SCOPE_SYSTEM, scope_code),
        "category": [concept(CATEGORY_SYSTEM, consent.scope, str(ConsentScope(consent.scope).label))],
        "patient": patient_ref(person),
        "dateTime": instant(consent.given_at),
        "performer": [performer],
        "organization": [ref("Organization", person.municipality_id, person.municipality.name)],
        "policyRule": concept(ACT_CODE, "OPTIN", "opt-in"),
        "provision": {
            "type": "permit",
            "period": {"start": instant(consent.given_at),
                       "end": instant(consent.withdrawn_at) or day(consent.valid_until)},
            "actor": actors,
        },
    })


def status_filter(qs: QuerySet, values: list[str]) -> QuerySet:
    today = timezone.localdate()
    active = Q(withdrawn_at__isnull=True) & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    for value in values:
        codes = {c.rpartition("|")[2] for c in value.split(",")}
        q = Q(pk__in=[])
        if "active" in codes:
            q |= active
        if "inactive" in codes:
            q |= ~active
        qs = qs.filter(q)
    return qs


RESOURCE = ResourceType(
    name="Consent",
    fhir_class=FhirConsent,
    documentation="Consents, scoped and withdrawable (teams.Consent); withdrawn or expired is inactive.",
    parts=[Part(key="", model=Consent,
                rows=persons_rows(Consent.objects.select_related(
                    "person__municipality", "service", "related_person", "given_by_related"), "person"),
                to_fhir=to_fhir, person_of=lambda c: c.person, person_field="person_id", portal=True,
                filters={"status": status_filter, "date": date_filter("given_at")})],
    params=[
        Param("patient", "reference", "Patient/id."),
        Param("status", "token", "active | inactive."),
        Param("date", "date", "When the consent was given."),
    ],
)
