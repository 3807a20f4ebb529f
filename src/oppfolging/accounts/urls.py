from django.urls import path

from oppfolging.accounts import helseid, views

app_name = "accounts"
urlpatterns = [
    path("logg-inn/", views.sign_in, name="login"),
    path("logg-inn/helseid/", helseid.helseid_start, name="helseid_start"),
    path("logg-inn/helseid/svar/", helseid.helseid_callback, name="helseid_callback"),
    path("logg-ut/", views.SignOutView.as_view(), name="logout"),
    path("demo/logg-inn/<str:username>/", views.demo_sign_in, name="demo_sign_in"),
    path("kommune/bytt/", views.switch_municipality, name="switch_municipality"),
    path("ansatte/", views.staff, name="staff"),
    path("kommune/innstillinger/", views.municipality_settings, name="municipality_settings"),
]
