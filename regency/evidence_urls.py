"""URLs of the MCP evidence pack (namespace "regency", at the site root)."""

from django.urls import path

from regency import evidence_views as views

urlpatterns = [
    path("dasbor/paket-bukti/", views.pack_list, name="evidence"),
    path("dasbor/paket-bukti/indikator/", views.indicator_list, name="evidence_indicators"),
    path("dasbor/paket-bukti/<int:pk>/status/", views.pack_status, name="evidence_status"),
    path("dasbor/paket-bukti/<int:pk>/unduh/", views.pack_download, name="evidence_download"),
]
