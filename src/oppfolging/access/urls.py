from django.urls import path

from oppfolging.access import views

app_name = "access"
urlpatterns = [
    path("nodtilgang/", views.break_glass, name="break_glass"),
    path("nodtilgang/gjennomgang/", views.break_glass_review, name="break_glass_review"),
    path(
        "nodtilgang/<int:access_id>/gjennomgatt/",
        views.break_glass_mark_reviewed,
        name="break_glass_mark_reviewed",
    ),
]
