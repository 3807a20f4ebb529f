from django.urls import path

from oppfolging.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_search, name="search"),
    path("innlogginger/", views.sign_in_refusals, name="sign_in_refusals"),
]
