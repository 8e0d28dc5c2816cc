"""URLs of the regency's dashboard (namespace "regency", at the site root)."""

from django.urls import path

from regency import views

urlpatterns = [
    path("dasbor/", views.dashboard, name="dashboard"),
    path("dasbor/csv/", views.dashboard, {"csv": True}, name="dashboard_csv"),
    path("dasbor/publik/", views.public_index, name="public_index"),
    path("mpp/<slug:slug>/dasbor/", views.public_dashboard, name="public_dashboard"),
    path(
        "mpp/<slug:slug>/dasbor/csv/",
        views.public_dashboard,
        {"csv": True},
        name="public_dashboard_csv",
    ),
]
