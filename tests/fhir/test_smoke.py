from __future__ import annotations

import json

from tests.fhir.conftest import FHIR, api, token


def test_it_reads_every_resource_type_for_the_coordinating_unit(cast, follow, clients):
    from oppfolging.fhir.resources import REGISTRY

    cast.cu.hpr_number = "555"
    cast.cu.save()
    client = api(token("gp-ehr", hpr_number="555"))
    for name in REGISTRY:
        response = client.get(f"{FHIR}/{name}")
        body = json.loads(response.content)
        assert response.status_code == 200, (name, body)
        print(name, body["total"])
