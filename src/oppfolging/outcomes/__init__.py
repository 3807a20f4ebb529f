"""Outcome data per person (hospital stays, municipal service use) and the effect pages.

Imports from GP extracts, a plain CSV of admissions, FHIR R4 Encounter bundles and service-use
CSVs are matched on identity number; the leader's and the evaluator's pages show the effect
estimate of :mod:`oppfolging.effect` and the PSFS and IPLOS change.
"""
