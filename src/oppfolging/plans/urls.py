from django.urls import path

from oppfolging.plans import views

app_name = "plans"
urlpatterns: list = []
