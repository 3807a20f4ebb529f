from django.urls import path

from oppfolging.catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("", views.service_list, name="list"),
    path("ny/", views.service_create, name="create"),
    path("<int:service_id>/", views.service_detail, name="detail"),
    path("<int:service_id>/endre/", views.service_edit, name="edit"),
    path("priser/", views.price_list, name="prices"),
    path("priser/ny/", views.price_create, name="price_create"),
    path("priser/<int:price_id>/endre/", views.price_edit, name="price_edit"),
]
