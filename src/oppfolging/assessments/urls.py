from django.urls import path

from oppfolging.assessments import views

app_name = "assessments"
urlpatterns = [
    path("person/<int:person_id>/", views.person_assessments, name="person_assessments"),
    path("person/<int:person_id>/ny/", views.assessment_start, name="start"),
    path("person/<int:person_id>/avgjorelse/", views.decide, name="decide"),
    path("person/<int:person_id>/<int:assessment_id>/", views.assessment_detail, name="detail"),
    path("person/<int:person_id>/<int:assessment_id>/endre/", views.assessment_edit, name="edit"),
    path("person/<int:person_id>/<int:assessment_id>/fullfor/", views.assessment_complete,
         name="complete"),
    path("person/<int:person_id>/<int:assessment_id>/legevurdering/", views.medical_request,
         name="medical_request"),
    path("person/<int:person_id>/legevurdering/<int:medical_id>/", views.medical_answer,
         name="medical_answer"),
]
