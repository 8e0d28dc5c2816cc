"""Pages of online booking (issue 4): the citizen's flow, the manage link,
staff lists and schedules, and the kiosk's check-in.

Routes are collected in services/urls.py.
"""

from django.urls import path, register_converter

from services.web import booking_views as views


class BookingCodeConverter:
    # Eight characters (services.models._booking_code); fixed words such as
    # "saya" or "petugas" never match, and service ids come after.
    regex = "[A-Za-z0-9]{8}"

    def to_python(self, value):
        return value.upper()

    def to_url(self, value):
        return str(value)


register_converter(BookingCodeConverter, "booking_code")

urlpatterns = [
    path("pesan/", views.booking_start, name="booking_start"),
    path("pesan/saya/", views.my_bookings, name="my_bookings"),
    path("pesan/petugas/", views.booking_staff, name="booking_staff"),
    path("pesan/tutup-hari/", views.booking_close_day, name="booking_close_day"),
    path("pesan/jadwal/<int:service_id>/", views.booking_schedule, name="booking_schedule"),
    path("pesan/kelola/<booking_code:code>/", views.booking_manage, name="booking_manage"),
    path("pesan/<booking_code:code>/selesai/", views.booking_done, name="booking_done"),
    path("pesan/<booking_code:code>/pdf/", views.booking_pdf, name="booking_pdf"),
    path("pesan/<booking_code:code>/", views.booking_detail, name="booking_detail"),
    path("pesan/<int:service_id>/", views.booking_service, name="booking_service"),
    path("antrean/kios/<slug:hall>/check-in/", views.kiosk_check_in, name="kiosk_check_in"),
]
