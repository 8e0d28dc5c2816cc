"""HTML pages of forums, namespace "forums" (mounted at the site root by mpp_portal/urls.py)."""

from django.urls import path

from forums import report_views, views

app_name = "forums"

urlpatterns = [
    path("forum/", views.public_list, name="public_list"),
    path("forum/kelola/", views.manage_list, name="manage_list"),
    path("forum/kelola/baru/", views.manage_new, name="manage_new"),
    path("forum/kelola/<int:pk>/", views.manage_detail, name="manage_detail"),
    path("forum/kelola/<int:pk>/berita-acara/status/", views.manage_job, name="manage_job"),
    path("forum/kelola/<int:pk>/masukan/", views.manage_inputs, name="manage_inputs"),
    path("forum/kelola/<int:pk>/daftar-hadir/", views.manage_attendance, name="manage_attendance"),
    path("forum/kelola/<int:pk>/kesepakatan/", views.manage_items, name="manage_items"),
    path("forum/kelola/<int:pk>/tindak-lanjut/", report_views.report_page, name="report"),
    path("forum/kelola/<int:pk>/tindak-lanjut/csv/", report_views.report_csv, name="report_csv"),
    path("forum/kelola/<int:pk>/tindak-lanjut/pdf/", report_views.report_pdf, name="report_pdf"),
    path(
        "forum/kelola/<int:pk>/tindak-lanjut/pdf/status/",
        report_views.report_pdf_status,
        name="report_pdf_status",
    ),
    path("forum/persetujuan/", views.signoff_list, name="signoff_list"),
    path("forum/persetujuan/<int:pk>/", views.signoff_detail, name="signoff_detail"),
    path("forum/tindak-lanjut/", views.agency_items, name="agency_items"),
    path("forum/tindak-lanjut/<int:pk>/", views.agency_item, name="agency_item"),
    path("forum/bukti/<int:pk>/", views.progress_attachment, name="progress_attachment"),
    path("forum/<int:pk>/<slug:slug>/", views.public_detail, name="public_detail"),
]
