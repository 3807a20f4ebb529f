"""The label of a stored choice in one look-up, as Django's get_FOO_display() gives it."""

from django.urls import reverse
from django.utils import translation

from oppfolging.lib.choices import choice_label
from oppfolging.notifications.models import Kind, Notification


def test_it_gives_every_kinds_label_in_every_language_as_get_kind_display_does():
    for language in ("nb", "nn", "en"):
        with translation.override(language):
            for kind in Kind:
                item = Notification(kind=kind.value)
                assert item.kind_label == item.get_kind_display() == str(kind.label)
            assert choice_label(Kind, "no_such_kind") == Notification(kind="no_such_kind").get_kind_display()
    with translation.override("en"):
        assert Notification(kind=Kind.GOAL_PROPOSAL).kind_label == "Proposed goal"


def test_the_inbox_shows_each_items_kind_in_the_readers_language(cast):
    for n, kind in enumerate([Kind.GOAL_PROPOSAL, Kind.HANDOVER, Kind.GOAL_PROPOSAL]):
        Notification.objects.create(key=f"test-{n}", kind=kind, municipality=cast.municipality,
                                    recipient_user=cast.cu, url="/")
    html = cast.client_for(cast.cu).get(reverse("notifications:inbox")).content.decode()
    assert html.count("<strong>Forslag til mål</strong>") == 2
    assert html.count("<strong>Overføringsnotat å lese</strong>") == 1
    assert html.count("Marker som ferdig<span class=\"visually-hidden\"> – Forslag til mål</span>") == 2
    cast.cu.language = "en"
    cast.cu.save(update_fields=["language"])
    html = cast.client_for(cast.cu).get(reverse("notifications:inbox")).content.decode()
    assert html.count("<strong>Proposed goal</strong>") == 2
