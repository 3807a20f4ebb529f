"""The professionals' side of «Min plan»: answer messages, take proposed goals into the plan."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from oppfolging.access.grants import Basis
from oppfolging.access.shortcuts import get_person_for_user
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.lib.dates import FOLLOW_UP
from oppfolging.portal import services
from oppfolging.portal.forms import MessageForm
from oppfolging.portal.models import GoalProposal, Message
from oppfolging.submissions.once import AlreadySubmitted, once


class AcceptForm(forms.Form):
    next_evaluation_on = forms.DateField(label=gettext_lazy("Dato for evaluering"),
                                         widget=forms.DateInput(attrs={"type": "date"}), validators=[FOLLOW_UP])


class DeclineForm(forms.Form):
    reply = forms.CharField(label=gettext_lazy("Svar til personen"), widget=forms.Textarea(attrs={"rows": 2}))


def person_messages(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Read and answer the person's messages (anyone serving the person, not emergency access)."""
    grant = get_person_for_user(request, person_id, resource="message")
    if not grant.serves:
        raise PermissionDenied
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                submission.created(services.message_send(grant=grant, body=form.cleaned_data["body"]))
        except AlreadySubmitted:
            messages.info(request, _("Dette var allerede sendt."))  # the answer is in the thread once
        else:
            messages.success(request, _("Svaret er sendt."))
        return redirect("portal:staff_messages", person_id=person_id)
    if grant.basis in (Basis.COORDINATING_UNIT, Basis.COORDINATOR):
        services.messages_mark_read(grant=grant)
    return render(request, "portal/staff_messages.html", {
        "person": grant.person, "grant": grant, "form": form,
        "thread": Message.objects.filter(person=grant.person).select_related("sender_user"),
    })


def _proposal(request: AuthenticatedHttpRequest, person_id: int, proposal_id: int):  # noqa: ANN202
    grant = get_person_for_user(request, person_id, write=True, resource="goal_proposal")
    proposal = GoalProposal.objects.filter(pk=proposal_id, person=grant.person).first()
    if proposal is None:
        raise Http404
    return grant, proposal


@require_POST
def proposal_accept(request: AuthenticatedHttpRequest, person_id: int, proposal_id: int) -> HttpResponse:
    grant, proposal = _proposal(request, person_id, proposal_id)
    form = AcceptForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Sett en dato for evaluering."))
        if form.cleaned_data["next_evaluation_on"] <= timezone.localdate():
            raise ValidationError(_("Evalueringen må være fram i tid."))
        services.goal_proposal_accept(grant=grant, proposal=proposal,
                                      next_evaluation_on=form.cleaned_data["next_evaluation_on"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Målet er tatt inn i planen, med personen som forfatter."))
    return redirect("plans:detail", person_id=person_id)


@require_POST
def proposal_decline(request: AuthenticatedHttpRequest, person_id: int, proposal_id: int) -> HttpResponse:
    grant, proposal = _proposal(request, person_id, proposal_id)
    form = DeclineForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Skriv et svar til personen."))
        services.goal_proposal_decline(grant=grant, proposal=proposal,
                                       reply=form.cleaned_data["reply"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Svaret er sendt til personen."))
    return redirect("plans:detail", person_id=person_id)
