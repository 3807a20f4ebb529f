from django.urls import reverse

from oppfolging.audit.models import AuditEvent
from oppfolging.people.models import RelatedPerson


def related_data(**changes):
    data = {"given_name": "Vera", "family_name": "Verge", "relationship": "guardian",
            "identity_number": "", "phone": "", "email": "", "is_guardian": "on", "version": ""}
    data.update(changes)
    return data


def test_it_adds_a_guardian(cast):
    url = reverse("people:related_create", args=[cast.person.pk])
    response = cast.client_for(cast.cu).post(url, related_data())
    assert response.status_code == 302
    guardian = RelatedPerson.objects.get(given_name="Vera")
    assert guardian.person == cast.person and guardian.is_guardian
    assert AuditEvent.objects.filter(resource="related_person", action="create").count() == 1


def test_it_edits_with_conflict_detection(cast):
    url = reverse("people:related_edit", args=[cast.person.pk, cast.next_of_kin.pk])
    client = cast.client_for(cast.cu)
    base = related_data(given_name="Nils", family_name="Person", relationship="child",
                        is_guardian="", version=1)
    assert client.post(url, {**base, "phone": "12345678"}).status_code == 302
    response = client.post(url, {**base, "phone": "87654321"})
    assert "Noen andre har lagret" in response.content.decode()
    cast.next_of_kin.refresh_from_db()
    assert cast.next_of_kin.phone == "12345678"


def test_it_asks_before_removing_and_removes_on_confirmation(cast):
    url = reverse("people:related_delete", args=[cast.person.pk, cast.next_of_kin.pk])
    client = cast.client_for(cast.cu)
    page = client.get(url).content.decode()
    assert "Fjerne Nils Person?" in page
    assert client.post(url, {}).status_code == 403
    assert RelatedPerson.objects.filter(pk=cast.next_of_kin.pk).exists()
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    assert not RelatedPerson.objects.filter(pk=cast.next_of_kin.pk).exists()


def test_it_gives_404_for_a_related_person_of_another_person(cast):
    url = reverse("people:related_edit", args=[cast.other_person.pk, cast.next_of_kin.pk])
    assert cast.client_for(cast.cu).get(url).status_code == 404
    url = reverse("people:related_edit", args=[cast.person.pk, 999999])
    assert cast.client_for(cast.cu).get(url).status_code == 404


def test_it_is_read_only_for_the_gp_and_hidden_from_strangers(cast):
    for name, args in [("people:related_create", [cast.person.pk]),
                       ("people:related_edit", [cast.person.pk, cast.next_of_kin.pk]),
                       ("people:related_delete", [cast.person.pk, cast.next_of_kin.pk])]:
        assert cast.client_for(cast.gp).get(reverse(name, args=args)).status_code == 403
        assert cast.client_for(cast.stranger).get(reverse(name, args=args)).status_code == 404


def test_it_refuses_to_remove_a_next_of_kin_who_wrote_a_goal_and_keeps_who_wrote_it(cast):
    """#13.13: removing a next of kin used to blank «written by» on their goals without a trace."""
    import datetime as dt

    from oppfolging.plans.models import AuthorKind, Goal, IndividualPlan

    plan = IndividualPlan.objects.create(person=cast.person, created_by=cast.cu)
    goal = Goal.objects.create(plan=plan, text="Være med på fotballkampene", author_kind=AuthorKind.NEXT_OF_KIN,
                               author_related=cast.next_of_kin,
                               next_evaluation_on=dt.date.today() + dt.timedelta(days=30))
    url = reverse("people:related_delete", args=[cast.person.pk, cast.next_of_kin.pk])
    response = cast.client_for(cast.cu).post(url, {"confirm": "yes"}, follow=True)
    assert "kan ikke fjernes" in response.content.decode()
    goal.refresh_from_db()
    assert goal.author_related == cast.next_of_kin
    assert RelatedPerson.objects.filter(pk=cast.next_of_kin.pk).exists()
    assert not AuditEvent.objects.filter(resource="related_person", action="delete").exists()
