from django.core import mail


def test_it_collects_mail_in_the_test_outbox(db):
    mail.send_mail("Emne", "Tekst", "fra@example.invalid", ["til@example.invalid"])
    assert [m.subject for m in mail.outbox] == ["Emne"]
