"""History is never lost through a cascade (#13.13): every foreign key to a person, a next of kin or
any part of a plan protects the row it points at instead of deleting or blanking the rows that
point at it. A deletion that would lose history is refused (ProtectedError), and the services
that remove something record a withdrawal instead."""

from __future__ import annotations

from django.apps import apps
from django.db import models

PROTECTED_APPS = {"people", "plans"}


def test_every_foreign_key_to_people_and_plans_protects():
    loose = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not (isinstance(field, models.ForeignKey) and field.concrete):
                continue
            target = field.related_model._meta
            if target.app_label in PROTECTED_APPS and field.remote_field.on_delete is not models.PROTECT:
                loose.append(f"{model._meta.label}.{field.name} → {target.label}: "
                             f"{field.remote_field.on_delete.__name__}")
    assert loose == []
