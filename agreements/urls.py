"""HTML pages of agreements, namespace "agreements" (mounted at the site root)."""

from django.urls import path

from agreements import views

app_name = "agreements"

urlpatterns = [
    path("perjanjian/", views.registry, name="list"),
    path("perjanjian/ekspor.csv", views.registry_csv, name="list_csv"),
    path("perjanjian/baru/", views.create, name="create"),
    path("perjanjian/cakupan/", views.coverage, name="coverage"),
    path("perjanjian/pemangku-kepentingan/", views.stakeholders, name="stakeholders"),
    path("perjanjian/belum-di-mpp/baru/", views.pending_form, name="pending_create"),
    path("perjanjian/belum-di-mpp/<int:pk>/", views.pending_form, name="pending_edit"),
    path("perjanjian/belum-di-mpp/<int:pk>/hapus/", views.pending_delete, name="pending_delete"),
    path("perjanjian/<int:pk>/", views.detail, name="detail"),
    path("perjanjian/<int:pk>/ubah/", views.edit, name="edit"),
    path("perjanjian/<int:pk>/cakupan/", views.scope, name="scope"),
    path("perjanjian/<int:pk>/pindaian/", views.scan_download, name="scan"),
    path("perjanjian/<int:pk>/pindaian/unggah/", views.scan_upload, name="scan_upload"),
    path(
        "perjanjian/<int:pk>/<str:action>/",
        views.move,
        name="move",
    ),
    path("mpp/<slug:slug>/kerja-sama/", views.public, name="public"),
]
