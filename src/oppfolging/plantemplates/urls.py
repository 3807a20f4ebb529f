from django.urls import path

from oppfolging.plantemplates import views

app_name = "plantemplates"
urlpatterns = [
    path("planmaler/", views.template_list, name="list"),
    path("planmaler/ny/", views.template_create, name="create"),
    path("planmaler/<int:template_id>/", views.template_detail, name="detail"),
    path("planmaler/<int:template_id>/endre/", views.template_revise, name="revise"),
    path("planmaler/<int:template_id>/versjon/<int:number>/", views.template_version, name="version"),
    path("plan/person/<int:person_id>/fra-mal/", views.plan_from_template, name="plan_from_template"),
    path("plan/person/<int:person_id>/del/<int:section_id>/endre/", views.section_edit, name="section_edit"),
]
