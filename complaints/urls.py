"""HTML pages of the complaints app, namespace "complaints"."""

from django.urls import path

from complaints import views

app_name = "complaints"

urlpatterns = [
    path("pengaduan/lacak/<str:tracking_id>/", views.track, name="track"),
    path("pengaduan/kelola/<str:tracking_id>/", views.detail, name="detail"),
]
