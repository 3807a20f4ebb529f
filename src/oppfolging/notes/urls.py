from django.urls import path

from oppfolging.notes import views

app_name = "notes"
urlpatterns = [
    path("plan/person/<int:person_id>/notater/", views.note_list, name="list"),
    path("plan/person/<int:person_id>/notater/<int:note_id>/endre/", views.note_edit, name="edit"),
    path("plan/person/<int:person_id>/notater/<int:note_id>/rett/", views.note_correct, name="correct"),
    path("min-plan/<int:person_id>/logg/", views.portal_timeline, name="portal_timeline"),
]
