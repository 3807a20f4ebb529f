"""The FHIR R4 API at /fhir/R4/: reads, searches and a few writes over the access policy."""
