from django.urls import path

from oppfolging.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("ny/", views.person_create, name="create"),
    path("<int:person_id>/", views.person_detail, name="detail"),
    path("<int:person_id>/endre/", views.person_edit, name="edit"),
    path("<int:person_id>/parorende/ny/", views.related_create, name="related_create"),
    path("<int:person_id>/parorende/<int:related_id>/endre/", views.related_edit, name="related_edit"),
    path("<int:person_id>/parorende/<int:related_id>/fjern/", views.related_delete, name="related_delete"),
]
