"""HTML pages of the complaints app, namespace "complaints"."""

from django.urls import path

from complaints import views

app_name = "complaints"

urlpatterns = [
    path("pengaduan/", views.home, name="home"),
    path("pengaduan/baru/", views.new, name="new"),
    path("pengaduan/loket/baru/", views.new_counter, name="new_counter"),
    path("pengaduan/terkirim/", views.filed, name="filed"),
    path("pengaduan/lacak/", views.track_lookup, name="track_lookup"),
    path("pengaduan/lacak/<str:tracking_id>/", views.track, name="track"),
    path("pengaduan/lampiran/<int:pk>/", views.attachment, name="attachment"),
    path("pengaduan/publik/", views.public_list, name="public_list"),
    path("pengaduan/publik/<str:tracking_id>/", views.public_detail, name="public_detail"),
    path("pengaduan/statistik/", views.stats, name="stats"),
    path("pengaduan/kelola/", views.inbox, name="inbox"),
    path("pengaduan/kelola/csv/", views.inbox_csv, name="inbox_csv"),
    path("pengaduan/kelola/terlambat/", views.overdue, name="overdue"),
    path("pengaduan/kelola/<str:tracking_id>/", views.detail, name="detail"),
    path("pengaduan/instansi/", views.agency_list, name="agency_list"),
    path("pengaduan/dari-survei/<int:pk>/", views.from_survey, name="from_survey"),
]
