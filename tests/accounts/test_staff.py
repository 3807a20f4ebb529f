from django.urls import reverse

from oppfolging.accounts.models import RoleAssignment, User


def test_it_lets_the_administrator_add_staff(cast):
    response = cast.client_for(cast.admin).post(reverse("accounts:staff"), {
        "first_name": "Nora", "last_name": "Ny", "username": "nora", "email": "nora@example.invalid",
        "title": "Vernepleier", "role": "coordinator", "service": cast.service.pk})
    assert response.status_code == 302
    user = User.objects.get(username="nora")
    assignment = RoleAssignment.objects.get(user=user)
    assert assignment.municipality == cast.municipality and assignment.service == cast.service
    assert not user.has_usable_password()


def test_it_refuses_a_service_of_another_municipality(cast):
    response = cast.client_for(cast.admin).post(reverse("accounts:staff"), {
        "first_name": "X", "last_name": "Y", "username": "xy", "email": "xy@example.invalid",
        "role": "coordinator", "service": cast.other_service.pk})
    assert response.status_code == 200
    assert not User.objects.filter(username="xy").exists()


def test_it_is_only_for_administrators(cast):
    assert cast.client_for(cast.cu).get(reverse("accounts:staff")).status_code == 403
    assert cast.client_for(cast.evaluator).get(reverse("accounts:staff")).status_code == 404


def test_it_lets_the_administrator_set_the_deadline_for_reports(cast):
    from django.urls import reverse

    url = reverse("accounts:municipality_settings")
    response = cast.client_for(cast.admin).post(url, {"referral_deadline_urgent_days": 3, "referral_deadline_soon_days": 7, "referral_deadline_days": 10, "contact_email": "ke@example.invalid",
                                                     "language": "nb", "version": cast.municipality.version})
    assert response.status_code == 302
    cast.municipality.refresh_from_db()
    assert cast.municipality.referral_deadline_days == 10
    assert cast.client_for(cast.cu).get(url).status_code == 403
    assert cast.client_for(cast.stranger).get(url).status_code == 403


def test_a_user_name_with_a_space_emoji_or_markup_gets_a_form_error(cast):
    for bad in ("nora ny", "nora🙂", "<b>nora</b>"):
        response = cast.client_for(cast.admin).post(reverse("accounts:staff"), {
            "first_name": "Nora", "last_name": "Ny", "username": bad, "email": "nora@example.invalid",
            "role": "coordinator"})
        assert response.status_code == 200, bad
        assert "Brukernavnet kan bare ha bokstavene" in response.content.decode()
    assert not User.objects.filter(first_name="Nora").exists()
    # and the sign-in page, which lists demo users by name in links, still answers
    assert cast.client_for(cast.admin).get(reverse("accounts:login")).status_code in (200, 302)


def test_a_stale_save_of_the_municipalitys_settings_is_refused_and_the_typed_values_kept(cast):
    """#13.6: two administrators open the settings; the second save, based on the old version, is refused."""
    from ..conftest import make_user

    other_admin = make_user("adm2", "Aud", "Admin")
    RoleAssignment.objects.create(user=other_admin, role="administrator", municipality=cast.municipality)
    url = reverse("accounts:municipality_settings")
    first, second = cast.client_for(cast.admin), cast.client_for(other_admin)
    seen = cast.municipality.version
    for client in (first, second):
        assert f'name="version" value="{seen}"' in client.get(url).content.decode()
    base = {"referral_deadline_urgent_days": 3, "referral_deadline_soon_days": 7, "language": "nb", "version": seen}
    assert first.post(url, {**base, "referral_deadline_days": 10, "contact_email": "ke@example.invalid"}).status_code == 302
    response = second.post(url, {**base, "referral_deadline_days": 21, "contact_email": "post@example.invalid"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Noen andre har lagret en endring mens du skrev" in html
    assert "ke@example.invalid" in html and 'value="post@example.invalid"' in html and 'value="21"' in html
    cast.municipality.refresh_from_db()
    assert (cast.municipality.referral_deadline_days, cast.municipality.contact_email) == (10, "ke@example.invalid")


def _staff_form(**changes):
    return {"first_name": "Nora", "last_name": "Ny", "username": "nora", "email": "nora@example.invalid",
            "title": "Vernepleier", "role": "coordinator", "service": "", **changes}


def test_a_double_click_adds_a_staff_user_once(cast):
    """#13.4: the new-staff form carries a one-time token; a repeat leads to the list with the user."""
    import re

    client = cast.client_for(cast.admin)
    url = reverse("accounts:staff")
    token = re.search(r'name="submission_token" value="([0-9a-f-]{36})"', client.get(url).content.decode()).group(1)
    assert client.post(url, _staff_form(submission_token=token)).status_code == 302
    repeat = client.post(url, _staff_form(submission_token=token), follow=True)
    html = repeat.content.decode()
    assert "Dette var allerede lagret." in html and "Nora Ny" in html
    assert User.objects.filter(username="nora").count() == 1 and RoleAssignment.objects.filter(user__username="nora").count() == 1


def test_the_loser_of_a_race_to_take_a_user_name_gets_a_form_error(cast, monkeypatch):
    """#13.5: another administrator takes the name between the check and the save: a message, not a 500."""
    real_full_clean = User.full_clean

    def the_other_administrator_saves_first(self, *args, **kwargs):
        real_full_clean(self, *args, **kwargs)
        User.objects.create(username=self.username, first_name="Nils", last_name="Annen")

    monkeypatch.setattr(User, "full_clean", the_other_administrator_saves_first)
    response = cast.client_for(cast.admin).post(reverse("accounts:staff"), _staff_form())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Brukernavnet er allerede i bruk." in html and 'value="Vernepleier"' in html
    # Nothing of the losing request is saved (the other user's row, made here inside the request's
    # transaction, is undone with it; in real life it is the other administrator's committed row).
    assert not User.objects.filter(username="nora").exists()
