from django.urls import path

from oppfolging.operations import views

app_name = "operations"
urlpatterns = [
    path("helse/live", views.live, name="live"),
    path("helse/klar", views.ready, name="ready"),
    path("metrics", views.prometheus, name="metrics"),
]
