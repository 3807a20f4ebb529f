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
