"""A reply from the team reaches everyone who reads the thread: the person and next of kin who take part."""

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from oppfolging.notifications.models import Notification


def test_it_tells_the_next_of_kin_who_asked_that_the_team_has_answered(deliver, cast, portal):
    portal.kin.email = "nils@example.invalid"
    portal.kin.save()
    portal.other_kin.email = "ola@example.invalid"  # no consent: does not read the thread
    portal.other_kin.save()
    cast.client_for(portal.kin_user).post(reverse("portal:messages", args=[cast.person.pk]),
                                          {"body": "Får mor hjelp med medisinene i helgen?"})
    deliver()
    before = len(mail.outbox)
    cast.client_for(cast.colleague).post(reverse("portal:staff_messages", args=[cast.person.pk]),
                                         {"body": "Ja, hjemmesykepleien kommer lørdag og søndag."})
    deliver()
    sent = mail.outbox[before:]
    assert sorted(m.to[0] for m in sent) == ["nils@example.invalid", "petra@example.invalid"]
    to_kin = next(m for m in sent if m.to == ["nils@example.invalid"])
    assert to_kin.body.startswith("Hei Nils,")
    assert "Du har fått en ny melding fra teamet i Oppfølging." in to_kin.body
    assert f"/min-plan/{cast.person.pk}/" in to_kin.body
    for text in ("hjemmesykepleien", "medisinene", "Petra", "Kim"):
        assert text not in to_kin.body and text not in to_kin.subject
    assert Notification.objects.filter(kind="message_from_team", recipient_related=portal.other_kin).count() == 0


def test_it_stops_telling_a_next_of_kin_whose_consent_is_withdrawn(deliver, cast, portal):
    portal.kin.email = "nils@example.invalid"
    portal.kin.save()
    portal.kin_consent.withdrawn_at = timezone.now()
    portal.kin_consent.save()
    cast.client_for(cast.colleague).post(reverse("portal:staff_messages", args=[cast.person.pk]), {"body": "Hei"})
    deliver()
    assert [m.to[0] for m in mail.outbox] == ["petra@example.invalid"]
