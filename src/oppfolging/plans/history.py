"""The plan's history: every change as a snapshot, so any earlier version can be read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.forms.models import model_to_dict
from django.utils import timezone

from oppfolging.accounts.models import User
from oppfolging.plans.models import Goal, GoalEvaluation, IndividualPlan, Measure, PlanChange

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
    *, plan: IndividualPlan, actor: User | None, item: models.Model, action: str, summary: str,
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
    for goal in goals:
        goal["measures"] = [m for m in measures if m["goal"] == goal["id"]]
        goal["evaluations"] = sorted(
            (e for e in evaluations if e["goal"] == goal["id"]), key=lambda e: e["evaluated_on"],
            reverse=True,
        )
        goal["sub_goals"] = [g for g in goals if g.get("parent") == goal["id"]]
    return {"plan": plan_data, "goals": top, "at": at}
