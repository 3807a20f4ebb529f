from django.urls import path

from oppfolging.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_queue, name="queue"),
    path("ny/", views.referral_create, name="create"),
    path("ny/personer/", views.person_search, name="person_search"),
    path("<int:referral_id>/", views.referral_detail, name="detail"),
    path("<int:referral_id>/tildel/", views.referral_assign, name="assign"),
    path("<int:referral_id>/koble/", views.referral_link_person, name="link_person"),
    path("<int:referral_id>/registrer/", views.referral_register_person, name="register_person"),
    path("<int:referral_id>/frist/", views.referral_deadline, name="deadline"),
    path("<int:referral_id>/avslag/", views.referral_decline, name="decline"),
    path("<int:referral_id>/trekk/", views.referral_withdraw, name="withdraw"),
]
