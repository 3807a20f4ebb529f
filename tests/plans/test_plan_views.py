import datetime as dt

from django.urls import reverse
from django.utils import timezone

from oppfolging.audit.models import AuditEvent
from oppfolging.plans.models import Goal, GoalEvaluation, PlanChange


def test_it_shows_the_plan_with_goals_measures_and_what_is_missing(cast, plan):
    html = cast.client_for(cast.colleague).get(reverse("plans:detail", args=[cast.person.pk])).content.decode()
    assert "Gå tur med hunden hver dag" in html and "3 ganger i uka" in html
    assert "Planen mangler noe forskriften krever" in html
    assert "(9) Samarbeid med andre etater" in html
    assert "(3) Koordinator" not in html
    assert AuditEvent.objects.filter(resource="individual_plan", action="read", actor=cast.colleague).count() == 1


def test_it_says_nothing_is_missing_when_every_required_item_is_there(cast, plan):
    from oppfolging.plans.selectors import plan_missing_items

    plan.resources, plan.needs = "Hunden, datteren", "Hjelp med medisiner"
    plan.person_contribution, plan.cooperation = "Går selv", "DPS: samtaler hver uke"
    plan.next_revision_on = timezone.localdate() + dt.timedelta(days=180)
    plan.save()
    Goal.objects.filter(text="Lage middag selv").delete()
    assert plan_missing_items(plan) == []


def test_it_adds_a_goal_in_the_persons_own_words_and_records_history(cast, plan):
    client = cast.client_for(cast.colleague)
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = client.post(reverse("plans:goal_add", args=[cast.person.pk]), {
        "text": "Komme meg på jobb igjen", "author_kind": "person", "next_evaluation_on": due,
        "author_related": "", "parent": "", "version": ""})
    assert response.status_code == 302
    goal = Goal.objects.get(text="Komme meg på jobb igjen")
    assert goal.author_kind == "person"
    change = PlanChange.objects.get(item_type="goal", item_id=goal.pk)
    assert change.actor == cast.colleague and change.action == "create"


def test_it_refuses_a_concurrent_goal_edit_and_shows_the_other_change(cast, plan):
    goal = Goal.objects.get(text="Lage middag selv")
    url = reverse("plans:goal_edit", args=[cast.person.pk, goal.pk])
    base = {"author_kind": "person", "author_related": "", "parent": "",
            "next_evaluation_on": goal.next_evaluation_on.isoformat(), "version": goal.version}
    coordinator, unit = cast.client_for(cast.colleague), cast.client_for(cast.cu)
    assert unit.post(url, {**base, "text": "Lage middag to ganger i uka"}).status_code == 302
    response = coordinator.post(url, {**base, "text": "Lage frokost selv"})
    html = response.content.decode()
    assert "Noen andre har lagret en endring mens du skrev" in html
    assert "Lage middag to ganger i uka" in html and "Lage frokost selv" in html
    goal.refresh_from_db()
    assert goal.text == "Lage middag to ganger i uka"


def test_it_evaluates_a_goal_and_sets_the_next_checkpoint(cast, plan):
    goal = Goal.objects.get(text="Gå tur med hunden hver dag")
    nxt = timezone.localdate() + dt.timedelta(days=90)
    response = cast.client_for(cast.colleague).post(reverse("plans:goal_evaluate", args=[cast.person.pk, goal.pk]), {
        "result": "partly", "learned": "Går når været er fint", "next_step": "continue",
        "next_evaluation_on": nxt.isoformat(), "psfs_score": "6", "new_goal_text": ""})
    assert response.status_code == 302
    evaluation = GoalEvaluation.objects.get()
    assert evaluation.result == "partly" and evaluation.psfs_score == 6 and evaluation.on_time
    goal.refresh_from_db()
    assert goal.next_evaluation_on == nxt and goal.is_open


def test_it_closes_a_goal_but_keeps_it_visible(cast, plan):
    goal = Goal.objects.get(text="Gå tur med hunden hver dag")
    client = cast.client_for(cast.colleague)
    client.post(reverse("plans:goal_evaluate", args=[cast.person.pk, goal.pk]), {
        "result": "achieved", "learned": "", "next_step": "close", "next_evaluation_on": "",
        "psfs_score": "", "new_goal_text": ""})
    goal.refresh_from_db()
    assert goal.status == "achieved"
    html = client.get(reverse("plans:detail", args=[cast.person.pk])).content.decode()
    assert "Gå tur med hunden hver dag" in html and "Nådd" in html


def test_it_replaces_a_goal_with_a_new_one(cast, plan):
    goal = Goal.objects.get(text="Gå tur med hunden hver dag")
    nxt = timezone.localdate() + dt.timedelta(days=40)
    cast.client_for(cast.colleague).post(reverse("plans:goal_evaluate", args=[cast.person.pk, goal.pk]), {
        "result": "not_achieved", "learned": "For stort mål", "next_step": "new_goal",
        "next_evaluation_on": nxt.isoformat(), "psfs_score": "", "new_goal_text": "Gå til postkassen"})
    goal.refresh_from_db()
    assert goal.status == "closed"
    assert Goal.objects.get(text="Gå til postkassen").next_evaluation_on == nxt


def test_it_shows_history_and_an_earlier_version(cast, plan):
    from oppfolging.plans.history import record_change

    record_change(plan=plan, actor=cast.cu, item=plan, action="create", summary="Planen er opprettet")
    goal = Goal.objects.get(text="Lage middag selv")
    record_change(plan=plan, actor=cast.cu, item=goal, action="create", summary="Nytt mål")
    first = PlanChange.objects.order_by("pk").last()
    goal.text = "Lage middag og lunsj selv"
    goal.save()
    record_change(plan=plan, actor=cast.colleague, item=goal, action="update", summary="Mål endret",
                  before={"text": "Lage middag selv"})
    client = cast.client_for(cast.colleague)
    html = client.get(reverse("plans:history", args=[cast.person.pk])).content.decode()
    assert "Mål endret" in html and "Kim Kollega" in html
    old = client.get(reverse("plans:version", args=[cast.person.pk, first.pk])).content.decode()
    assert "«Lage middag selv»" in old and "Lage middag og lunsj selv" not in old


def test_the_history_names_fields_and_dates_in_words_not_codes(cast, plan):
    from oppfolging.plans.history import record_change, snapshot

    goal = Goal.objects.get(text="Lage middag selv")
    before = snapshot(goal)
    goal.next_evaluation_on = dt.date(2031, 3, 14)
    goal.status = "achieved"
    goal.save()
    change = record_change(plan=plan, actor=cast.cu, item=goal, action="update", summary="Mål endret",
                           before=before)
    assert change.changed_fields == ["next_evaluation_on", "status"]
    client = cast.client_for(cast.colleague)
    html = client.get(reverse("plans:history", args=[cast.person.pk])).content.decode()
    assert "<td>evalueres, status</td>" in html
    assert "next_evaluation_on" not in html
    version = client.get(reverse("plans:version", args=[cast.person.pk, change.pk])).content.decode()
    assert "14.03.2031" in version and "2031-03-14" not in version
    assert "Status: Nådd · evalueres 14.03.2031" in version
    assert "Status: achieved" not in version


def test_it_renders_the_plan_as_a_pdf_with_every_required_item(cast, plan):
    response = cast.client_for(cast.colleague).get(reverse("plans:pdf", args=[cast.person.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # One look at the plan is one entry: the export, not a read beside it.
    assert list(AuditEvent.objects.filter(resource="individual_plan_pdf").values_list("action", flat=True)) == [
        "export"]


def test_it_is_read_only_for_the_gp_and_hidden_from_strangers(cast, plan):
    goal = Goal.objects.first()
    measure = goal.measures.first() or Goal.objects.get(text__startswith="Gå").measures.first()
    writes = [("plans:edit", [cast.person.pk]), ("plans:goal_add", [cast.person.pk]),
              ("plans:goal_edit", [cast.person.pk, goal.pk]), ("plans:goal_evaluate", [cast.person.pk, goal.pk]),
              ("plans:measure_add", [cast.person.pk, goal.pk]), ("plans:measure_edit", [cast.person.pk, measure.pk])]
    reads = [("plans:detail", [cast.person.pk]), ("plans:history", [cast.person.pk]), ("plans:pdf", [cast.person.pk])]
    for name, args in writes:
        assert cast.client_for(cast.gp).get(reverse(name, args=args)).status_code == 403, name
        assert cast.client_for(cast.stranger).get(reverse(name, args=args)).status_code == 404, name
    for name, args in reads:
        assert cast.client_for(cast.gp).get(reverse(name, args=args)).status_code == 200, name
        assert cast.client_for(cast.stranger).get(reverse(name, args=args)).status_code == 404, name
        assert cast.client_for(cast.leader).get(reverse(name, args=args)).status_code == 404, name


def test_it_lets_the_member_responsible_for_a_measure_report_progress(cast, plan):
    measure = Goal.objects.get(text="Gå tur med hunden hver dag").measures.get()
    url = reverse("plans:measure_status", args=[cast.person.pk, measure.pk])
    assert cast.client_for(cast.gp).post(url, {"status": "done", "version": measure.version}).status_code == 302  # the GP is responsible
    measure.refresh_from_db()
    assert measure.status == "done"
    assert PlanChange.objects.filter(item_type="measure", actor=cast.gp).exists()
    measure.responsible_membership = None
    measure.responsible_service = cast.service
    measure.save()
    assert cast.client_for(cast.gp).post(url, {"status": "ongoing"}).status_code == 403
    assert cast.client_for(cast.stranger).post(url, {"status": "ongoing"}).status_code == 404


def test_two_reports_of_a_measures_status_at_once_refuse_the_stale_one_without_an_error_page(cast, plan):
    measure = Goal.objects.get(text="Gå tur med hunden hver dag").measures.get()
    url = reverse("plans:measure_status", args=[cast.person.pk, measure.pk])
    seen = measure.version
    client = cast.client_for(cast.gp)
    assert client.post(url, {"status": "ongoing", "version": seen}).status_code == 302
    response = client.post(url, {"status": "stopped", "version": seen}, follow=True)  # the other tab
    assert response.status_code == 200
    assert "Noen andre oppdaterte status for tiltaket" in response.content.decode()
    measure.refresh_from_db()
    assert measure.status == "ongoing"


def test_a_report_of_a_measures_status_without_the_version_changes_nothing(cast, plan):
    """#13: a missing version is refused as a stale one, not taken to mean "the latest"."""
    measure = Goal.objects.get(text="Gå tur med hunden hver dag").measures.get()
    url = reverse("plans:measure_status", args=[cast.person.pk, measure.pk])
    changes = PlanChange.objects.count()
    response = cast.client_for(cast.gp).post(url, {"status": "stopped"}, follow=True)
    assert response.status_code == 200
    assert "Noen andre oppdaterte status for tiltaket" in response.content.decode()
    before = measure.version
    measure.refresh_from_db()
    assert measure.status == "planned" and measure.version == before
    assert PlanChange.objects.count() == changes


def test_a_double_click_on_a_measures_status_records_one_change(cast, plan):
    measure = Goal.objects.get(text="Gå tur med hunden hver dag").measures.get()
    url = reverse("plans:measure_status", args=[cast.person.pk, measure.pk])
    client = cast.client_for(cast.gp)
    for _ in range(2):
        assert client.post(url, {"status": "done", "version": measure.version}).status_code == 302
    assert PlanChange.objects.filter(item_type="measure", actor=cast.gp).count() == 1


def test_a_double_click_adds_a_goal_and_a_measure_once(cast, plan):
    """#13.4: the goal and measure forms carry a one-time token; a repeat shows the plan with the record made."""
    import re

    client = cast.client_for(cast.colleague)
    url = reverse("plans:goal_add", args=[cast.person.pk])
    token = re.search(r'name="submission_token" value="([0-9a-f-]{36})"', client.get(url).content.decode()).group(1)
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    data = {"text": "Svømme hver uke", "author_kind": "person", "next_evaluation_on": due, "author_related": "",
            "parent": "", "version": "", "submission_token": token}
    assert client.post(url, data).status_code == 302
    repeat = client.post(url, data, follow=True)
    assert "Dette var allerede lagret." in repeat.content.decode() and "Svømme hver uke" in repeat.content.decode()
    goal = Goal.objects.get(text="Svømme hver uke")
    url = reverse("plans:measure_add", args=[cast.person.pk, goal.pk])
    from oppfolging.teams.models import TeamMembership

    token = re.search(r'name="submission_token" value="([0-9a-f-]{36})"', client.get(url).content.decode()).group(1)
    member = TeamMembership.objects.filter(team__person=cast.person).first()
    data = {"description": "Følge til svømmehallen", "responsible_membership": member.pk, "responsible_user": "",
            "responsible_service": "", "extent": "", "how": "", "starts_on": timezone.localdate().isoformat(),
            "ends_on": "", "status": "planned", "version": "", "submission_token": token}
    first = client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:3000]
    client.post(url, data)
    assert goal.measures.filter(description="Følge til svømmehallen").count() == 1


def test_a_double_click_on_a_goals_evaluation_records_it_once(cast, plan):
    """#13.4: the evaluation form carries a one-time token; sent twice, one evaluation, and the plan is shown."""
    import re

    goal = Goal.objects.get(text="Gå tur med hunden hver dag")
    client = cast.client_for(cast.colleague)
    url = reverse("plans:goal_evaluate", args=[cast.person.pk, goal.pk])
    token = re.search(r'name="submission_token" value="([0-9a-f-]{36})"', client.get(url).content.decode()).group(1)
    data = {"result": "partly", "learned": "Går med følge.", "next_step": "continue", "psfs_score": "",
            "next_evaluation_on": (timezone.localdate() + dt.timedelta(days=90)).isoformat(), "new_goal_text": "",
            "submission_token": token}
    assert client.post(url, data).status_code == 302
    repeat = client.post(url, data, follow=True)
    assert "Dette var allerede lagret." in repeat.content.decode() and "Gå tur med hunden hver dag" in repeat.content.decode()
    assert GoalEvaluation.objects.filter(goal=goal).count() == 1
