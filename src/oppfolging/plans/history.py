"""The plan's history: every change as a snapshot, so any earlier version can be read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.accounts.models import User
from oppfolging.plans.models import (
    ChangeAction,
    EvaluationResult,
    Goal,
    GoalEvaluation,
    GoalStatus,
    IndividualPlan,
    Measure,
    MeasureStatus,
    NextStep,
    PlanChange,
)

ITEM_TYPES: dict[type[models.Model], str] = {
    IndividualPlan: "plan", Goal: "goal", Measure: "measure", GoalEvaluation: "evaluation",
}
IGNORED = {"version", "last_activity_at"}


def snapshot(item: models.Model) -> dict[str, Any]:
    """Return the item's fields as JSON-safe values."""
    data = model_to_dict(item)
    data["id"] = item.pk
    for name in IGNORED:
        data.pop(name, None)
    import json

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def record_change(
    *, plan: IndividualPlan, actor: User | None, item: models.Model, action: ChangeAction, summary: str,
    before: dict[str, Any] | None = None, actor_name: str = "",
) -> PlanChange:
    """Append one change to the plan's history and mark the plan as active now."""
    after = snapshot(item)
    changed = sorted(k for k in after if before is not None and before.get(k) != after.get(k))
    now = timezone.now()
    IndividualPlan.objects.filter(pk=plan.pk).update(last_activity_at=now)
    return PlanChange.objects.create(
        plan=plan, at=now, actor=actor,
        actor_name=actor_name or (actor.full_name if actor else "—"),
        item_type=ITEM_TYPES[type(item)], item_id=item.pk, action=action, summary=summary[:300],
        changed_fields=changed, snapshot=after,
    )


# A snapshot keeps codes and ISO dates (JSON); a reader sees the labels and real dates.
LABELS: dict[str, type[models.TextChoices]] = {
    "result": EvaluationResult, "next_step": NextStep,
}
DATES = ("next_evaluation_on", "evaluated_on", "starts_on", "ends_on", "due_on")


def _readable(item: dict[str, Any]) -> None:
    """Turn a snapshot's codes into their labels and its ISO dates into dates, in place."""
    for name in DATES:
        if isinstance(item.get(name), str):
            try:
                item[name] = dt.date.fromisoformat(item[name])
            except ValueError:
                pass
    if "status" in item:
        choices: type[models.TextChoices] = GoalStatus if "next_evaluation_on" in item else MeasureStatus
        item["status_label"] = dict(choices.choices).get(item["status"], item["status"])
    for name, choices in LABELS.items():
        if name in item:
            item[f"{name}_label"] = dict(choices.choices).get(item[name], item[name])


# Fields the models leave without a Norwegian name (forms never show them).
UNNAMED_FIELDS = {
    "status": _("status"), "position": _("rekkefølge"), "parent": _("hovedmål"),
    "closed_at": _("avsluttet"), "author_user": _("skrevet av"), "author_related": _("skrevet av"),
    "team": _("team"), "template_version": _("planmal"),
    "created_by": _("opprettet av"), "goal": _("mål"),
}


def field_labels(change: PlanChange) -> list[str]:
    """Name the fields a change touched as the forms do ("evalueres"), never by their code."""
    model = next((m for m, name in ITEM_TYPES.items() if name == change.item_type), None)
    labels = []
    for name in change.changed_fields or []:
        try:
            field = model._meta.get_field(name) if model is not None else None
        except Exception:  # noqa: BLE001 - a field removed since the change was written
            field = None
        if name in UNNAMED_FIELDS:
            labels.append(str(UNNAMED_FIELDS[name]))
        elif (verbose := getattr(field, "verbose_name", None)) and verbose != name.replace("_", " "):
            labels.append(str(verbose))
    return labels


def plan_as_of(plan: IndividualPlan, at: dt.datetime) -> dict[str, Any]:
    """Rebuild the plan as it read at a moment: the latest snapshot of each item before then."""
    latest: dict[tuple[str, int], dict[str, Any]] = {}
    for change in plan.changes.filter(at__lte=at).order_by("at", "pk"):
        latest[(change.item_type, change.item_id)] = change.snapshot
    plan_data = next((v for (t, _i), v in latest.items() if t == "plan"), None)
    goals = [v for (t, _i), v in latest.items() if t == "goal"]
    measures = [v for (t, _i), v in latest.items() if t == "measure"]
    evaluations = [v for (t, _i), v in latest.items() if t == "evaluation"]
    top = sorted((g for g in goals if not g.get("parent")), key=lambda g: (g["position"], g["id"]))
    for item in goals + measures + evaluations:
        _readable(item)
    for goal in goals:
        goal["measures"] = [m for m in measures if m["goal"] == goal["id"]]
        goal["evaluations"] = sorted(
            (e for e in evaluations if e["goal"] == goal["id"]), key=lambda e: e["evaluated_on"],
            reverse=True,
        )
        goal["sub_goals"] = [g for g in goals if g.get("parent") == goal["id"]]
    return {"plan": plan_data, "goals": top, "at": at}
