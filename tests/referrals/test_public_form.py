import datetime as dt
import secrets
import time

from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from oppfolging.audit.models import AuditEvent
from oppfolging.lib import identity
from oppfolging.people.models import Person
from oppfolging.referrals.forms import FORM_SALT
from oppfolging.referrals.models import Referral


def token(started: float) -> str:
    return signing.dumps({"t": started, "n": secrets.token_hex(16)}, salt=FORM_SALT)


def form_data(**changes):
    data = {
        "source": "next_of_kin", "reporter_name": "Randi Pårørende", "reporter_organisation": "",
        "reporter_email": "randi@example.invalid", "reporter_phone": "",
        "subject_given_name": "Ny", "subject_family_name": "Nordmann",
        "subject_identity_number": "", "subject_birth_date": "1950-02-03",
        "subject_phone": "", "subject_address": "",
        "observations": "Mor glemmer medisiner og har falt to ganger.",
        "person_wants": "Bo hjemme.", "urgency": "soon", "consent": "given",
        "consent_absent_reason": "", "website": "",
        "started": token(time.time() - 60),
    }
    data.update(changes)
    return data


def url(cast):
    return reverse("public_referral_form", args=[cast.municipality.number])


def test_it_receives_a_report_without_sign_in_and_gives_a_receipt(cast, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(cast), form_data())
    referral = Referral.objects.get()
    assert response["Location"] == reverse("public_referral_receipt", args=[referral.receipt_code])
    assert referral.municipality == cast.municipality
    assert referral.status == "received" and referral.channel == "public_form"
    assert referral.deadline == timezone.localdate() + dt.timedelta(days=7)  # "soon": the municipality's deadline for that urgency
    assert referral.person is None  # no identity number: the unit matches it later
    receipt = client.get(response["Location"]).content.decode()
    assert referral.receipt_code in receipt and "Hva skjer nå?" in receipt
    assert "Vi sender ingen kvittering på e-post" in receipt
    assert mail.outbox == []  # the address in a public form is not verified: nothing is sent to it
    assert AuditEvent.objects.filter(resource="referral", action="create", actor=None).count() == 1


def test_it_never_attaches_an_anonymous_report_to_a_person_without_the_units_confirmation(cast, client):
    """Issue 12, public form: a number typed by anyone attached the report (and a case worker's
    access) to the person it names."""
    client.post(url(cast), form_data(subject_identity_number=cast.person.identity_number,
                                     subject_birth_date="", subject_family_name="Ukjent"))
    referral = Referral.objects.get()
    assert referral.person is None and referral.subject_identity_number == cast.person.identity_number
    assert Person.objects.filter(identity_number=cast.person.identity_number).count() == 1
    unit = cast.client_for(cast.cu)
    detail = unit.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Koble til Petra Person" in detail  # the unit sees the match and decides
    unit.post(reverse("referrals:link_person", args=[referral.pk]), {"person": cast.person.pk})
    referral.refresh_from_db()
    assert referral.person == cast.person


def test_it_accepts_each_form_token_once(cast, client):
    """Issue 12, public form: the minimum-time token could be replayed to send many reports."""
    data = form_data()
    first = client.post(url(cast), data)
    assert first.status_code == 302
    replay = client.post(url(cast), data | {"observations": "Sendt igjen med samme nøkkel."})
    html = replay.content.decode()
    assert replay.status_code == 200 and "allerede sendt" in html
    assert "Sendt igjen med samme nøkkel." in html  # nothing typed is lost
    assert Referral.objects.count() == 1
    # The form shown again carries a new token, so a person who means it can send it.
    again = client.post(url(cast), data | {"started": replay.context["form"].data["started"],
                                           "observations": "Sendt igjen med samme nøkkel."})
    assert again.status_code == 302 and Referral.objects.count() == 2


def test_a_rejected_form_spends_its_token_too(cast, client):
    data = form_data(consent="not_given")  # missing the reason: rejected
    assert client.post(url(cast), data).status_code == 200
    fixed = client.post(url(cast), data | {"consent": "given"})
    assert "allerede sendt" in fixed.content.decode() and not Referral.objects.exists()


def test_it_sends_neither_receipt_nor_decline_reason_to_an_unverified_address(
        cast, client, django_capture_on_commit_callbacks):
    from oppfolging.notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(cast), form_data())
    referral = Referral.objects.get()
    unit = cast.client_for(cast.cu)
    detail = unit.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "sendes ikke til melderen" in detail and "Teksten sendes til melderen" not in detail
    with django_capture_on_commit_callbacks(execute=True):
        unit.post(reverse("referrals:decline", args=[referral.pk]),
                  {"reason": "Personen har alt et oppfølgingsteam.", "version": referral.version})
    referral.refresh_from_db()
    assert referral.status == "declined"
    assert mail.outbox == [] and not Notification.objects.exists()


def test_it_never_writes_to_the_register_from_the_anonymous_form(cast, client):
    number = identity.make_synthetic(birth_date=dt.date(1944, 4, 4), individual=111)
    client.post(url(cast), form_data(subject_identity_number=number, subject_birth_date=""))
    assert not Person.objects.filter(identity_number=number).exists()
    referral = Referral.objects.get()
    assert referral.person is None and referral.subject_identity_number == number


def test_it_registers_the_person_once_when_the_unit_links_the_report(cast, client):
    number = identity.make_synthetic(birth_date=dt.date(1944, 4, 4), individual=111)
    for _ in range(2):
        client.post(url(cast), form_data(subject_identity_number=number, subject_birth_date=""))
    unit = cast.client_for(cast.cu)
    for referral in Referral.objects.all():
        unit.post(reverse("referrals:link_person", args=[referral.pk]))
    person = Person.objects.get(identity_number=number)
    assert person.birth_date == dt.date(1944, 4, 4)
    assert list(Referral.objects.values_list("person", flat=True)) == [person.pk, person.pk]


def test_it_explains_each_bad_field_and_keeps_what_was_typed(cast, client):
    response = client.post(url(cast), form_data(
        subject_identity_number="12345678901", consent="not_given", subject_birth_date=""))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kontrollsifrene stemmer ikke" in html
    assert "Forklar hvorfor personen ikke har samtykket" in html
    assert "Mor glemmer medisiner og har falt to ganger." in html
    assert 'value="Randi Pårørende"' in html
    assert "Det du har skrevet, er tatt vare på." in html
    assert not Referral.objects.exists()


def test_it_refuses_automated_submissions(cast, client, settings):
    response = client.post(url(cast), form_data(website="http://spam.invalid"))
    assert response.status_code == 200 and not Referral.objects.exists()
    settings.PUBLIC_FORM_MIN_SECONDS = 30
    response = client.post(url(cast), form_data(started=token(time.time())))
    assert "for raskt" in response.content.decode() and not Referral.objects.exists()
    response = client.post(url(cast), form_data(started="forged"))
    assert not Referral.objects.exists()


def test_it_rate_limits_one_address(cast, client, settings):
    settings.PUBLIC_FORM_RATE_LIMIT = 2
    for _ in range(2):
        client.post(url(cast), form_data())
    response = client.post(url(cast), form_data(observations="Tredje melding."))
    html = response.content.decode()
    assert "mange meldinger fra denne adressen" in html
    assert "Tredje melding." in html
    assert Referral.objects.count() == 2


def test_it_shows_the_receipt_only_to_the_session_that_sent_it(cast, client):
    client.post(url(cast), form_data())
    code = Referral.objects.get().receipt_code
    from django.test import Client

    assert Client().get(reverse("public_referral_receipt", args=[code])).status_code == 404


def test_it_gives_404_for_an_unknown_municipality(client, db):
    assert client.get(reverse("public_referral_form", args=["0000"])).status_code == 404


def test_over_long_texts_get_a_form_error_and_are_kept(cast, client):
    # Six fields of 100,000 Norwegian letters: 3.6 MB once URL-encoded.
    long = "Æ" * 100_000
    data = form_data(observations=long, person_wants=long, reporter_name=long, reporter_organisation=long,
                     subject_given_name=long, subject_family_name=long)
    response = client.post(url(cast), data)
    assert response.status_code == 200 and not Referral.objects.exists()
    html = response.content.decode()
    assert "eller færre tegn" in html and long in html


def test_a_body_over_every_limit_gets_a_page_that_sends_the_user_back(cast, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post(url(cast), form_data(observations="x" * 20_000))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Kunne ikke ta imot skjemaet" in html and "det du skrev, står fortsatt i skjemaet" in html
    assert not Referral.objects.exists()


def test_back_and_send_again_with_the_same_token_shows_the_report_already_made(cast, client):
    """#13.4: the browser's back button and «Send» again make no second report; the first one's receipt shows."""
    data = form_data()
    first = client.post(url(cast), data)
    assert first.status_code == 302
    code = Referral.objects.get().receipt_code
    again = client.post(url(cast), data, follow=True)
    html = again.content.decode()
    assert again.redirect_chain == [(reverse("public_referral_receipt", args=[code]), 302)]
    assert "Meldingen var allerede sendt." in html and code in html
    assert Referral.objects.count() == 1


def test_a_resend_with_changed_text_names_the_earlier_receipt_and_keeps_the_text(cast, client):
    data = form_data()
    client.post(url(cast), data)
    code = Referral.objects.get().receipt_code
    changed = client.post(url(cast), data | {"observations": "Noe jeg glemte å skrive."})
    html = changed.content.decode()
    assert changed.status_code == 200 and code in html and "Noe jeg glemte å skrive." in html
    assert Referral.objects.count() == 1


def test_a_double_click_spends_the_token_with_the_report_in_one_transaction(cast, client):
    from oppfolging.referrals.models import PublicFormToken

    client.post(url(cast), form_data())
    token = PublicFormToken.objects.get()
    assert token.referral == Referral.objects.get()
