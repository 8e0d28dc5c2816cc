"""Labels of the complaints app's audit actions (registered in ComplaintsConfig.ready)."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "complaint.file": _("Laporan diterima"),
    "complaint.dispatch": _("Diteruskan ke instansi"),
    "complaint.request_info": _("Meminta informasi kepada pelapor"),
    "complaint.provide_info": _("Pelapor melengkapi informasi"),
    "complaint.archive": _("Diarsipkan"),
    "complaint.archive_unanswered": _("Diarsipkan: pelapor tidak melengkapi informasi"),
    "complaint.hand_back": _("Dikembalikan instansi ke admin MPP"),
    "complaint.extend": _("Batas waktu diperpanjang"),
    "complaint.note": _("Catatan ditambahkan"),
    "complaint.respond": _("Ditanggapi instansi"),
    "complaint.reply": _("Pelapor membalas"),
    "complaint.accept": _("Pelapor menerima tanggapan"),
    "complaint.rate": _("Pelapor memberi penilaian"),
    "complaint.reopen": _("Dibuka kembali oleh pelapor"),
    "complaint.autoclose": _("Ditutup otomatis"),
}
