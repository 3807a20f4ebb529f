from django.urls import path

from oppfolging.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:notification_id>/", views.inbox_open, name="open"),
    path("<int:notification_id>/ferdig/", views.inbox_done, name="done"),
    path("varsler/", views.preferences, name="preferences"),
    path("brev/", views.letters, name="letters"),
    path("brev/<int:delivery_id>/", views.letter_print, name="letter_print"),
    path("feilet/", views.failed, name="failed"),
]
