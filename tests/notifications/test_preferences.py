"""A user's own notification settings and målform: saved on the version the page was opened on."""

from django.urls import reverse

from oppfolging.accounts.models import User


def test_it_saves_the_users_own_channels(cast):
    client = cast.client_for(cast.colleague)
    url = reverse("notifications:preferences")
    version = client.get(url).context["form"].initial["version"]
    response = client.post(url, {"notify_sms": "on", "phone": "912 34 567", "language": "", "version": version})
    assert response.status_code == 302
    user = User.objects.get(pk=cast.colleague.pk)
    assert (user.notify_email, user.notify_sms, user.phone, user.version) == (False, True, "912 34 567", version + 1)


def test_a_save_from_a_stale_or_unversioned_page_changes_nothing_and_keeps_what_was_typed(cast):
    """#13: the målform was switched in the header after the settings page was opened (another tab)."""
    client = cast.client_for(cast.colleague)
    url = reverse("notifications:preferences")
    seen = client.get(url).context["form"].initial["version"]
    assert client.post(reverse("set_language"), {"language": "nn", "next": "/"}).status_code == 302
    for data in ({"notify_sms": "on", "phone": "912 34 567", "language": "", "version": seen},
                 {"notify_sms": "on", "phone": "912 34 567", "language": ""}):
        response = client.post(url, data)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'class="conflict"' in html and 'value="912 34 567"' in html
        user = User.objects.get(pk=cast.colleague.pk)
        assert (user.language, user.notify_sms, user.phone) == ("nn", False, "")
    # Saving again on the page now shown is a deliberate choice, and goes through.
    again = client.post(url, {**data, "version": response.context["form"].data["version"]})
    assert again.status_code == 302
    user = User.objects.get(pk=cast.colleague.pk)
    assert (user.language, user.notify_sms, user.phone) == ("", True, "912 34 567")
