from django.urls import path

from oppfolging.teams import views

app_name = "teams"
urlpatterns = [
    path("oversikt/", views.overview, name="overview"),
    path("koordinatorer/", views.pool, name="pool"),
    path("person/<int:person_id>/", views.person_team, name="person_team"),
    path("person/<int:person_id>/onske/", views.wish_record, name="wish_record"),
    path("person/<int:person_id>/opprett/", views.team_create, name="team_create"),
    path("person/<int:person_id>/koordinator/", views.coordinator_appoint, name="coordinator_appoint"),
    path("person/<int:person_id>/koordinator/<int:assignment_id>/notat/", views.handover_note, name="handover_note"),
    path("person/<int:person_id>/koordinator/<int:assignment_id>/lest/", views.handover_read, name="handover_read"),
    path("person/<int:person_id>/deltaker/ny/", views.membership_add, name="membership_add"),
    path("person/<int:person_id>/deltaker/<int:membership_id>/slutt/", views.membership_end, name="membership_end"),
    path("person/<int:person_id>/samtykke/ny/", views.consent_add, name="consent_add"),
    path("person/<int:person_id>/samtykke/<int:consent_id>/trekk/", views.consent_withdraw, name="consent_withdraw"),
    path("person/<int:person_id>/plan/", views.plan_create, name="plan_create"),
    path("person/<int:person_id>/avslutt/", views.team_close, name="team_close"),
    path("person/<int:person_id>/gjenapne/", views.team_reopen, name="team_reopen"),
    path("ansatt/<int:user_id>/slutter/", views.staff_leave, name="staff_leave"),
]
