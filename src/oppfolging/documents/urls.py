from django.urls import path

from oppfolging.documents import views

app_name = "documents"
urlpatterns = [
    path("plan/person/<int:person_id>/dokumenter/", views.document_list, name="list"),
    path("plan/person/<int:person_id>/dokumenter/ny/", views.document_upload, name="upload"),
    path("plan/person/<int:person_id>/dokumenter/<int:document_id>/", views.document_detail, name="detail"),
    path("plan/person/<int:person_id>/dokumenter/<int:document_id>/fil/", views.document_file, name="file"),
    path("plan/person/<int:person_id>/dokumenter/<int:document_id>/synlighet/", views.document_visibility,
         name="visibility"),
    path("plan/person/<int:person_id>/dokumenter/<int:document_id>/trekk/", views.document_withdraw,
         name="withdraw"),
    path("min-plan/<int:person_id>/dokumenter/", views.portal_list, name="portal_list"),
    path("min-plan/<int:person_id>/dokumenter/ny/", views.portal_upload, name="portal_upload"),
    path("min-plan/<int:person_id>/dokumenter/<int:document_id>/fil/", views.portal_file, name="portal_file"),
]
