"""A demo GP risk list: a simulated list of 1,100 patients, scored, some already followed up."""

from __future__ import annotations

import datetime as dt
import random
import shutil
import tempfile
import zipfile
from pathlib import Path

import polars as pl
from django.core.files import File

from oppfolging.accounts.models import Municipality, Role, RoleAssignment, User
from oppfolging.demo import data
from oppfolging.gp.models import ReviewDecision, RiskList, RiskReview
from oppfolging.gp.tasks import score_risk_list
from oppfolging.lib import identity
from oppfolging.people.models import Gender, Person
from oppfolging.risk.simulate import simulate
from oppfolging.teams.models import Team


def _zip(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return target


def create_demo_risk_list(*, municipality: Municipality, gp: User, unit: User, seed: int = 11) -> None:
    """Score a simulated list for the demo GP, once, with a few patients already followed up."""
    if RiskList.objects.filter(gp=gp).exists():
        return
    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix="oppfolging-demo-risk-"))
    try:
        simulate(1100, seed, work, t0=dt.date(2025, 1, 1))
        followed = pl.read_csv(work / "followed_up.csv", schema_overrides={"national_id": pl.String})
        for number in followed["national_id"].to_list()[:6]:
            parsed = identity.parse(number, allow_synthetic=True)
            female = parsed.sex == "F"
            person, created = Person.objects.get_or_create(
                municipality=municipality, identity_number=parsed.value,
                defaults={"given_name": rng.choice(data.GIVEN_F if female else data.GIVEN_M),
                          "family_name": rng.choice(data.FAMILY), "identity_kind": str(parsed.kind),
                          "birth_date": parsed.birth_date or dt.date(1940, 1, 1),
                          "gender": Gender.FEMALE if female else Gender.MALE, "gp": gp},
            )
            if created:
                Team.objects.create(person=person, created_by=unit)
        risk_list = RiskList(gp=gp, municipality=municipality)
        with open(_zip(work / "t1", work / "t1.zip"), "rb") as current, \
                open(_zip(work / "t0", work / "t0.zip"), "rb") as previous:
            risk_list.extract_file.save("demo-t1.zip", File(current), save=False)
            risk_list.previous_file.save("demo-t0.zip", File(previous), save=False)
        risk_list.save()
        score_risk_list.call(risk_list.pk)
        _reviews(risk_list, gp)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def demo_gp_and_unit(municipality: Municipality) -> tuple[User, User] | None:
    gp = RoleAssignment.objects.filter(municipality=municipality, role=Role.GP,
                                       user__username__startswith="demo-").select_related("user").first()
    unit = RoleAssignment.objects.filter(municipality=municipality, role=Role.COORDINATING_UNIT).select_related("user").first()
    return (gp.user, unit.user) if gp and unit else None


def _reviews(risk_list: RiskList, gp: User) -> None:
    """Review part of the list, as a GP would: the known patients first."""
    for index, entry in enumerate(risk_list.entries.filter(is_high=True).order_by("new_priority")[:20]):
        if entry.not_followed_up is False:
            decision = ReviewDecision.FOLLOWED_UP
        elif index % 3 == 0:
            continue  # still to be reviewed
        else:
            decision = ReviewDecision.NOT_RELEVANT if index % 2 else ReviewDecision.FOLLOWED_UP
        RiskReview.objects.create(entry=entry, decision=decision, reviewed_by=gp)
