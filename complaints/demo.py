"""Demo complaints for MPP Perigo Agung (manage.py seed_demo).

A few dozen complaints in every state, some past their deadline, made
through the real workflow functions so that timelines, audit entries and
deadlines are what the app itself would have written. Idempotent: a hall
that already has complaints is left alone.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from complaints import services as workflow
from complaints.models import Category, Complaint, ReminderLog
from mpp_portal.organizations.models import Agency

CATEGORIES = [
    ("administrasi-kependudukan", "Administrasi kependudukan"),
    ("perizinan-berusaha", "Perizinan berusaha"),
    ("pajak-retribusi", "Pajak dan retribusi"),
    ("perilaku-petugas", "Perilaku petugas"),
    ("sarana-prasarana", "Sarana dan prasarana"),
    ("informasi-layanan", "Informasi layanan"),
    ("lainnya", "Lainnya"),
]

# (category, agency slug, kind, title, description)
STORIES = [
    (
        "administrasi-kependudukan",
        "disdukcapil",
        "pengaduan",
        "Blangko KTP-el kosong",
        "Sudah tiga kali datang ke loket Disdukcapil tetapi blangko KTP-el selalu kosong.",
    ),
    (
        "administrasi-kependudukan",
        "disdukcapil",
        "permintaan_informasi",
        "Syarat akta kelahiran anak yang lahir di rumah",
        "Anak saya lahir di rumah dibantu bidan desa. Dokumen apa saja yang perlu dibawa?",
    ),
    (
        "perizinan-berusaha",
        "dpmptsp",
        "pengaduan",
        "NIB belum terbit setelah seminggu",
        "Data sudah diserahkan kepada petugas SIPABES di pasar tetapi NIB belum saya terima.",
    ),
    (
        "pajak-retribusi",
        "samsat",
        "pengaduan",
        "Antrean pajak kendaraan sangat panjang",
        "Setiap awal bulan antrean pajak kendaraan mengular sampai ke luar gedung.",
    ),
    (
        "perilaku-petugas",
        "polres",
        "pengaduan",
        "Petugas SKCK kurang ramah",
        "Petugas di loket SKCK menjawab pertanyaan dengan ketus dan tidak menjelaskan syarat.",
    ),
    (
        "sarana-prasarana",
        None,
        "aspirasi",
        "Perlu tambahan kursi di ruang tunggu",
        "Pada jam sibuk banyak lansia berdiri karena kursi ruang tunggu tidak cukup.",
    ),
    (
        "sarana-prasarana",
        None,
        "pengaduan",
        "Toilet di lantai satu rusak",
        "Keran air di toilet lantai satu tidak berfungsi sejak minggu lalu.",
    ),
    (
        "informasi-layanan",
        "bpjs-kesehatan",
        "permintaan_informasi",
        "Cara pindah faskes BPJS Kesehatan",
        "Saya ingin pindah puskesmas tempat berobat. Apakah bisa dilakukan di MPP?",
    ),
    (
        "pajak-retribusi",
        "bapenda",
        "pengaduan",
        "SPPT PBB salah nama pemilik",
        "Nama di SPPT PBB tahun ini masih nama pemilik lama padahal sudah balik nama.",
    ),
    (
        "lainnya",
        "bank-bengkulu",
        "aspirasi",
        "Mohon sediakan mesin ATM di MPP",
        "Banyak pemohon harus keluar gedung untuk mengambil uang pembayaran layanan.",
    ),
]

NAMES = [
    "Siti Aminah",
    "Rudi Hartono",
    "Dewi Lestari",
    "Agus Salim",
    "Nurhayati",
    "Bambang Irawan",
    "Yuliana",
    "Hendra Gunawan",
]

# How many complaints end in each state.
PLAN = {
    "submitted": 6,
    "submitted_overdue": 3,
    "info_requested": 3,
    "dispatched": 6,
    "dispatched_overdue": 4,
    "responded": 4,
    "closed": 6,
    "archived": 3,
}


@transaction.atomic
def seed(*, hall, users, stdout):
    categories = {}
    for slug, name in CATEGORIES:
        categories[slug], _created = Category.objects.get_or_create(
            slug=slug, defaults={"name": name}
        )
    if Complaint.objects.filter(hall=hall).exists():
        stdout.write("  pengaduan demo sudah ada")
        return
    agencies = {a.slug: a for a in Agency.objects.filter(hall=hall)}
    admin = users.get("admin.mpp")
    agency_admin = users.get("admin.dukcapil")
    citizen = users.get("warga")
    rng = random.Random(2026)  # the same demo on every machine
    made = 0
    for state, count in PLAN.items():
        for n in range(count):
            category, agency_slug, kind, title, description = STORIES[(made + n) % len(STORIES)]
            agency = agencies.get(agency_slug) or agencies.get("disdukcapil")
            anonymous = n % 4 == 3
            complaint, _token = workflow.complaint_file(
                hall=hall,
                kind=kind,
                title=title,
                description=description,
                category=categories[category],
                reported_agency=agencies.get(agency_slug),
                reporter=citizen if n % 3 == 0 and not anonymous else None,
                reporter_name=rng.choice(NAMES),
                reporter_email=f"pelapor{made + n}@contoh.id" if n % 2 == 0 else "",
                reporter_phone=f"+628127{rng.randint(1000000, 9999999)}",
                is_anonymous=anonymous,
                is_confidential=n % 5 == 4,
                channel=Complaint.Channel.COUNTER if n % 6 == 5 else Complaint.Channel.WEB,
            )
            _advance(
                complaint,
                state,
                admin=admin,
                agency=agency,
                agency_admin=agency_admin if agency.slug == "disdukcapil" else admin,
            )
        made += count
    stdout.write(f"  {made} pengaduan demo dalam setiap status")


def _advance(complaint, state, *, admin, agency, agency_admin):
    if state == "submitted":
        return
    if state == "submitted_overdue":
        _age(complaint, days=9)
        return
    if state == "info_requested":
        workflow.complaint_request_info(
            complaint=complaint, by=admin, question="Mohon sebutkan tanggal dan jam kejadian."
        )
        return
    if state == "archived":
        workflow.complaint_archive(
            complaint=complaint,
            by=admin,
            reason="unclear",
            note="Uraian tidak memuat layanan yang dimaksud.",
        )
        return
    complaint = workflow.complaint_dispatch(
        complaint=complaint,
        agency=agency,
        by=admin,
        instruction="Mohon ditindaklanjuti sesuai SOP dan dibalas kepada pelapor.",
    )
    if state == "dispatched":
        return
    if state == "dispatched_overdue":
        _age(complaint, days=12)
        return
    complaint = workflow.complaint_respond(
        complaint=complaint,
        by=agency_admin,
        body="Terima kasih atas laporannya. Petugas sudah kami tambah pada jam sibuk.",
    )
    if state == "closed":
        workflow.complaint_accept(
            complaint=complaint,
            by=None,
            rating=4 + len(complaint.title) % 2,
            comment="Tanggapan cepat, terima kasih.",
        )


def _age(complaint, *, days):
    """Move a complaint's clock back so that its deadline has passed."""
    shift = datetime.timedelta(days=days)
    Complaint.objects.filter(pk=complaint.pk).update(
        submitted_at=complaint.submitted_at - shift,
        dispatched_at=complaint.dispatched_at - shift if complaint.dispatched_at else None,
        due_at=(complaint.due_at or timezone.now()) - shift,
    )
    ReminderLog.objects.filter(complaint=complaint).delete()
