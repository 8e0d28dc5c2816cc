"""Labels of the services app's audit actions (registered in ServicesConfig.ready)."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "ticket.issue": _("Mengambil nomor antrean"),
    "ticket.call": _("Memanggil tiket"),
    "ticket.call_out_of_order": _("Memanggil tiket di luar urutan"),
    "ticket.recall": _("Memanggil ulang tiket"),
    "ticket.start": _("Mulai melayani"),
    "ticket.finish": _("Selesai melayani"),
    "ticket.skip": _("Melewati tiket"),
    "ticket.requeue": _("Mengembalikan tiket ke antrean"),
    "ticket.no_show": _("Menandai tidak hadir"),
    "ticket.transfer": _("Mengalihkan tiket"),
    "ticket.cancel": _("Membatalkan tiket"),
    "ticket.note": _("Mencatat keterangan tiket"),
    "counter.open": _("Membuka loket"),
    "counter.close": _("Menutup loket"),
    "counter.pause": _("Istirahat"),
    "counter.resume": _("Melanjutkan layanan setelah istirahat"),
    "counter.assign_service": _("Mengatur layanan loket"),
    "service.create": _("Menambah layanan"),
    "service.update": _("Mengubah layanan"),
    "booking.create": _("Memesan jadwal"),
    "booking.cancel": _("Membatalkan pemesanan"),
    "booking.reschedule": _("Mengubah jadwal pemesanan"),
    "booking.check_in": _("Check-in pemesanan"),
    "booking.no_show": _("Pemesanan tidak hadir"),
    "booking.close_day": _("Menutup pemesanan satu hari"),
    "booking.schedule_create": _("Membuat jadwal pemesanan"),
    "booking.schedule_update": _("Mengubah jadwal pemesanan layanan"),
    "survey.submit": _("Mengisi survei kepuasan"),
}
