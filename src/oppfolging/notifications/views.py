"""The staff inbox, notification settings, letters to print, and messages that failed."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oppfolging.access import policy
from oppfolging.access.shortcuts import get_staff_grant
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.lib.params import id_param
from oppfolging.lib.versioning import conflict_rows, save_form_versioned
from oppfolging.notifications import selectors, services
from oppfolging.notifications.delivery import refuse_without_basis
from oppfolging.notifications.delivery import render as render_message
from oppfolging.notifications.forms import PreferencesForm
from oppfolging.notifications.models import Channel, DeliveryStatus, Notification


def _own_item(request: AuthenticatedHttpRequest, notification_id: int) -> Notification:
    item = selectors.inbox_of(user=request.user, include_done=True).filter(pk=notification_id).first()
    if item is None:
        raise Http404
    return item


def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What waits on me: each item links to where it is handled."""
    show_done = request.GET.get("vis") == "alle"
    page = Paginator(selectors.inbox_of(user=request.user, include_done=show_done), 50).get_page(
        request.GET.get("side"))
    if not show_done:  # the pager has counted the open items: the menu shows the same number
        request.inbox_waiting = page.paginator.count
    persons = {item.person_id for item in page if item.person_id}
    if persons:
        audit_record(actor=request.user, action=Action.LIST, resource="inbox", municipality=request.municipality,
                     purpose=_("Innboks: varsler om %(count)s personer") % {"count": len(persons)})
    return render(request, "notifications/inbox.html", {"page": page, "show_done": show_done})


def inbox_open(request: AuthenticatedHttpRequest, notification_id: int) -> HttpResponse:
    """Open an item: mark it opened (and done, for what is handled by reading) and go to it."""
    item = services.notification_open(user=request.user, notification=_own_item(request, notification_id))
    target = item.url or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = "/"
    return redirect(target)


@require_POST
def inbox_done(request: AuthenticatedHttpRequest, notification_id: int) -> HttpResponse:
    """Mark an item done by hand."""
    services.notification_mark_done(user=request.user, notification=_own_item(request, notification_id))
    messages.success(request, _("Markert som ferdig."))
    return redirect("notifications:inbox")


def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    """How I am told that something waits, and the written standard I read."""
    user = request.user
    form = PreferencesForm(request.POST or None, initial={
        "notify_email": user.notify_email, "notify_sms": user.notify_sms, "phone": user.phone,
        "language": user.language, "version": user.version})
    conflict = None
    if request.method == "POST":
        # A save without the version the page was opened on is refused as stale (versions start at 1).
        saved, conflict = save_form_versioned(form, lambda version, fields: services.notification_preferences_save(
            user=user, expected_version=version, **fields))
        if saved:
            messages.success(request, _("Innstillingene er lagret."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {
        "form": form, "conflict": conflict, "conflict_rows": conflict_rows(form, conflict) if conflict else []})


def letters(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Letters to print and post, for those with neither e-mail nor mobile phone."""
    grant = get_staff_grant(request, lambda user, m: policy.can_triage(user, m) or policy.can_coordinate(user, m))
    to_print = selectors.letters_to_print(user=request.user, municipality=grant.municipality)
    audit_record(actor=request.user, action=Action.LIST, resource="letters", municipality=grant.municipality,
                 purpose=_("Brev som skal sendes i posten"))
    return render(request, "notifications/letters.html", {"letters": to_print})


def letter_print(request: AuthenticatedHttpRequest, delivery_id: int) -> HttpResponse:
    """One letter, ready to print; posting it is recorded with the button below it."""
    grant = get_staff_grant(request, lambda user, m: policy.can_triage(user, m) or policy.can_coordinate(user, m))
    letter = selectors.letters_to_print(user=request.user, municipality=grant.municipality).filter(
        pk=delivery_id).first()
    if letter is None:
        raise Http404
    if refuse_without_basis(letter):
        # Checked when the letter goes out, as e-mail and SMS are: the recipient lost the basis.
        messages.warning(request, DeliveryStatus.REFUSED.label)
        return redirect("notifications:letters")
    if request.method == "POST":
        services.delivery_printed(grant=grant, delivery=letter)
        messages.success(request, _("Brevet er registrert som sendt."))
        return redirect("notifications:letters")
    audit_record(actor=request.user, action=Action.READ, resource="letter", resource_id=letter.pk,
                 person=letter.notification.person, municipality=grant.municipality,
                 purpose=_("Brev skrevet ut"))
    return render(request, "notifications/letter_print.html", {
        "letter": letter, "message": render_message(letter.notification, Channel.LETTER)})


def failed(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Messages that did not get through after every attempt, for the administrator to act on."""
    grant = get_staff_grant(request, lambda user, m: policy.can_manage_staff(user, m) or policy.can_triage(user, m))
    if request.method == "POST":
        delivery_id = request.POST.get("delivery", "")
        delivery = selectors.failed_deliveries(municipality=grant.municipality).filter(
            pk=id_param(delivery_id) or 0
        ).first()
        if delivery is None:
            raise Http404
        services.delivery_retry(grant=grant, delivery=delivery)
        messages.success(request, _("Meldingen sendes på nytt."))
        return redirect("notifications:failed")
    return render(request, "notifications/failed.html", {
        "deliveries": selectors.failed_deliveries(municipality=grant.municipality)[:200]})

