from django.urls import path

from oppfolging.plans import views

app_name = "plans"
urlpatterns = [
    path("person/<int:person_id>/", views.plan_detail, name="detail"),
    path("person/<int:person_id>/endre/", views.plan_edit, name="edit"),
    path("person/<int:person_id>/mal/ny/", views.goal_add, name="goal_add"),
    path("person/<int:person_id>/mal/<int:goal_id>/endre/", views.goal_edit, name="goal_edit"),
    path("person/<int:person_id>/mal/<int:goal_id>/evaluer/", views.goal_evaluate, name="goal_evaluate"),
    path("person/<int:person_id>/mal/<int:goal_id>/tiltak/ny/", views.measure_add, name="measure_add"),
    path("person/<int:person_id>/tiltak/<int:measure_id>/endre/", views.measure_edit, name="measure_edit"),
    path("person/<int:person_id>/tiltak/<int:measure_id>/status/", views.measure_status, name="measure_status"),
    path("person/<int:person_id>/historikk/", views.plan_history, name="history"),
    path("person/<int:person_id>/historikk/<int:change_id>/", views.plan_version, name="version"),
    path("person/<int:person_id>/pdf/", views.plan_pdf, name="pdf"),
]
