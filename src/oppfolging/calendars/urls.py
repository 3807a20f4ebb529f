from django.urls import path

from oppfolging.calendars import views

app_name = "calendars"
urlpatterns = [
    path("kalender/", views.calendar, name="calendar"),
    path("kalender/oppgaver/", views.tasks, name="tasks"),
    path("kalender/abonnement/ny/", views.feed_create, name="feed_create"),
    path("kalender/abonnement/slett/", views.feed_revoke, name="feed_revoke"),
    path("kalender/abonnement/<str:token>.ics", views.feed, name="feed"),
]
