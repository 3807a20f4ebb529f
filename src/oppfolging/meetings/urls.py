from django.urls import path

from oppfolging.meetings import views

app_name = "meetings"
urlpatterns = [
    path("oversikt/", views.unit_overview, name="unit_overview"),
    path("person/<int:person_id>/", views.meeting_list, name="list"),
    path("person/<int:person_id>/ny/", views.meeting_schedule, name="schedule"),
    path("person/<int:person_id>/holdt/", views.meeting_record_held, name="record_held"),
    path("person/<int:person_id>/hyppighet/", views.interval_set, name="interval_set"),
    path("person/<int:person_id>/oppgaver/", views.action_items, name="action_items"),
    path("person/<int:person_id>/oppgaver/<int:item_id>/gjort/", views.action_item_done, name="action_item_done"),
    path("person/<int:person_id>/oppgaver/<int:item_id>/apne/", views.action_item_reopen, name="action_item_reopen"),
    path("person/<int:person_id>/<int:meeting_id>/", views.meeting_detail, name="detail"),
    path("person/<int:person_id>/<int:meeting_id>/endre/", views.meeting_edit, name="edit"),
    path("person/<int:person_id>/<int:meeting_id>/avlys/", views.meeting_cancel, name="cancel"),
    path("person/<int:person_id>/<int:meeting_id>/dagsorden/ny/", views.agenda_item_add, name="agenda_item_add"),
    path("person/<int:person_id>/<int:meeting_id>/dagsorden/<int:item_id>/flytt/", views.agenda_item_move, name="agenda_item_move"),
    path("person/<int:person_id>/<int:meeting_id>/dagsorden/<int:item_id>/endre/", views.agenda_item_edit, name="agenda_item_edit"),
    path("person/<int:person_id>/<int:meeting_id>/send/", views.agenda_send, name="agenda_send"),
    path("person/<int:person_id>/<int:meeting_id>/oppmote/", views.attendance_record, name="attendance"),
    path("person/<int:person_id>/<int:meeting_id>/svar/", views.respond, name="respond"),
    path("svar/<str:token>/", views.rsvp, name="rsvp"),
    path("person/<int:person_id>/<int:meeting_id>/referat/", views.minutes_save, name="minutes"),
    path("person/<int:person_id>/<int:meeting_id>/beslutning/", views.decision_add, name="decision_add"),
    path("person/<int:person_id>/<int:meeting_id>/beslutning/<int:decision_id>/trekk/", views.decision_withdraw,
         name="decision_withdraw"),
    path("person/<int:person_id>/<int:meeting_id>/oppgave/", views.action_item_add, name="action_item_add"),
    path("person/<int:person_id>/<int:meeting_id>/mal/<int:goal_id>/evaluer/", views.goal_evaluate, name="goal_evaluate"),
]
