from django.urls import path

from oppfolging.portal import staff_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:person_id>/", views.plan, name="plan"),
    path("<int:person_id>/team/", views.team, name="team"),
    path("<int:person_id>/moter/", views.meetings, name="meetings"),
    path("<int:person_id>/moter/<int:meeting_id>/sak/", views.agenda_add, name="agenda_add"),
    path("<int:person_id>/moter/<int:meeting_id>/svar/", views.respond, name="respond"),
    path("<int:person_id>/viktig/", views.matters, name="matters"),
    path("<int:person_id>/skar/", views.psfs, name="psfs"),
    path("<int:person_id>/varsler/", views.notices, name="notices"),
    path("<int:person_id>/koordinator/", views.wish, name="wish"),
    path("<int:person_id>/samtykke/", views.consent, name="consent"),
    path("<int:person_id>/samtykke/foreldre/", views.parents, name="parents"),
    path("<int:person_id>/samtykke/<int:consent_id>/trekk/", views.consent_withdraw, name="consent_withdraw"),
    path("<int:person_id>/tjenester/", views.services_catalogue, name="services"),
    path("<int:person_id>/innsyn/", views.access_log, name="access_log"),
    path("<int:person_id>/meldinger/", views.messages_thread, name="messages"),
    path("ansatt/<int:person_id>/meldinger/", staff_views.person_messages, name="staff_messages"),
    path("ansatt/<int:person_id>/forslag/<int:proposal_id>/ta-inn/", staff_views.proposal_accept,
         name="proposal_accept"),
    path("ansatt/<int:person_id>/forslag/<int:proposal_id>/svar/", staff_views.proposal_decline,
         name="proposal_decline"),
]
