"""Demo services and counters for MPP Perigo Agung (manage.py seed_demo).

The texts follow what Lebong's agencies publish as standar pelayanan;
fees follow the national rules (KTP-el, KK and akta are free under
UU 24/2013 as amended; SKCK Rp30.000 under PP 76/2020). Idempotent.
A month of queue, booking and survey history comes from demo_history.
"""

import datetime

from django.db import transaction

from mpp_portal.accounts.models import User
from mpp_portal.organizations.models import Agency
from services.demo_history import seed_history
from services.models import PRIORITY_LEVELS, BookingSchedule, Counter, CounterService, Service

ALL_PRIORITIES = list(PRIORITY_LEVELS)

COMMON = {
    "complaint_handling": (
        "Pengaduan disampaikan langsung ke meja pengaduan MPP, melalui portal ini "
        "(menu Pengaduan), SP4N-LAPOR! atau kotak saran di ruang tunggu."
    ),
    "facilities": "Ruang tunggu ber-AC, nomor antrean, kursi prioritas, toilet, area bermain anak.",
    "internal_supervision": "Supervisi atasan langsung dan Inspektorat Kabupaten Lebong.",
    "service_guarantee": "Pelayanan sesuai standar, tanpa pungutan di luar ketentuan.",
    "safety_guarantee": "Data pemohon dijaga kerahasiaannya sesuai peraturan perundang-undangan.",
    "performance_evaluation": "Survei Kepuasan Masyarakat (SKM) setiap semester.",
}

# (agency slug, code, name, minutes, fee, duration, product, requirements, legal basis)
SERVICES = [
    (
        "disdukcapil",
        "A",
        "Perekaman dan Pencetakan KTP-el",
        10,
        0,
        "Selesai di tempat bila blangko tersedia (± 30 menit)",
        "KTP elektronik",
        [
            "Fotokopi Kartu Keluarga",
            "Berusia 17 tahun atau sudah/pernah kawin",
            "Surat keterangan kehilangan dari kepolisian (untuk KTP-el hilang)",
        ],
        [
            "UU 24/2013 tentang Perubahan atas UU 23/2006 tentang Administrasi Kependudukan",
            "Perpres 96/2018 tentang Persyaratan dan Tata Cara Pendaftaran Penduduk",
        ],
    ),
    (
        "disdukcapil",
        "K",
        "Kartu Keluarga (baru, perubahan, hilang)",
        12,
        0,
        "1 hari kerja",
        "Kartu Keluarga (dokumen elektronik, dicetak di kertas HVS)",
        [
            "Formulir F-1.02 yang telah diisi",
            "Kartu Keluarga lama (untuk perubahan)",
            "Buku nikah/akta perkawinan (untuk KK baru)",
            "Surat pindah (bila pindah datang)",
        ],
        ["UU 24/2013", "Permendagri 108/2019"],
    ),
    (
        "disdukcapil",
        "L",
        "Akta Kelahiran",
        10,
        0,
        "Selesai di tempat (± 1 jam)",
        "Kutipan akta kelahiran",
        [
            "Surat keterangan lahir dari dokter/bidan/desa",
            "Kartu Keluarga orang tua",
            "Buku nikah/akta perkawinan orang tua",
            "KTP-el dua orang saksi",
        ],
        ["UU 24/2013", "Perpres 96/2018"],
    ),
    (
        "polres",
        "S",
        "Surat Keterangan Catatan Kepolisian (SKCK)",
        15,
        30000,
        "Selesai di tempat (± 1 jam)",
        "SKCK",
        [
            "Fotokopi KTP-el",
            "Fotokopi Kartu Keluarga",
            "Fotokopi akta kelahiran",
            "Pas foto 4x6 berlatar merah 6 lembar",
            "Sidik jari (diambil di tempat)",
        ],
        ["Perpol 6/2023 tentang Penerbitan SKCK", "PP 76/2020 tentang PNBP di lingkungan Polri"],
    ),
    (
        "samsat",
        "P",
        "Pajak Kendaraan Bermotor Tahunan",
        8,
        0,
        "Selesai di tempat (± 20 menit)",
        "STNK disahkan dan notice pajak",
        ["KTP-el asli pemilik sesuai STNK", "STNK asli", "BPKB (untuk pengesahan 5 tahunan)"],
        [
            "UU 1/2022 tentang Hubungan Keuangan Pusat dan Daerah",
            "Perda Provinsi Bengkulu tentang Pajak Daerah",
        ],
    ),
    (
        "bpjs-kesehatan",
        "B",
        "Pendaftaran dan Perubahan Data Peserta JKN",
        12,
        0,
        "Selesai di tempat",
        "Kartu JKN-KIS / data peserta diperbarui",
        [
            "KTP-el",
            "Kartu Keluarga",
            "Nomor HP aktif dan alamat surel",
            "Buku tabungan (untuk peserta mandiri)",
        ],
        ["UU 24/2011 tentang BPJS", "Perpres 82/2018 tentang Jaminan Kesehatan"],
    ),
    (
        "dpmptsp",
        "N",
        "Nomor Induk Berusaha (NIB) melalui OSS RBA",
        20,
        0,
        "Selesai di tempat bila data lengkap",
        "NIB (dicetak dari OSS)",
        [
            "KTP-el",
            "NPWP (bila ada)",
            "Nomor HP dan surel aktif",
            "Alamat dan jenis usaha (KBLI)",
            "Modal usaha",
        ],
        [
            "PP 28/2025 tentang Penyelenggaraan Perizinan Berusaha Berbasis Risiko",
            "PP 7/2021 tentang Kemudahan, Pelindungan dan Pemberdayaan UMKM",
        ],
    ),
    (
        "kpp-pratama",
        "T",
        "Pendaftaran NPWP dan Aktivasi Akun Coretax",
        15,
        0,
        "Selesai di tempat",
        "NPWP / akun pajak aktif",
        ["KTP-el", "Nomor HP dan surel aktif"],
        ["UU 7/2021 tentang Harmonisasi Peraturan Perpajakan"],
    ),
    (
        "bapenda",
        "D",
        "Pembayaran dan Informasi PBB-P2",
        8,
        0,
        "Selesai di tempat",
        "Bukti bayar / SPPT",
        ["SPPT PBB tahun berjalan atau NOP", "KTP-el"],
        ["Perda Kabupaten Lebong tentang Pajak Daerah dan Retribusi Daerah"],
    ),
    (
        "bpn",
        "M",
        "Informasi dan Pendaftaran Layanan Pertanahan",
        15,
        0,
        "Sesuai jenis layanan (informasi di tempat)",
        "Tanda terima berkas",
        [
            "KTP-el dan Kartu Keluarga",
            "Sertipikat asli (untuk peralihan/roya)",
            "Bukti lunas PBB tahun berjalan",
        ],
        ["PP 128/2015 tentang PNBP Kementerian ATR/BPN"],
    ),
]

# (number, agency slug, service codes with weights)
COUNTERS = [
    (1, "disdukcapil", {"A": 2, "K": 1, "L": 1}),
    (2, "disdukcapil", {"A": 1, "K": 1, "L": 2}),
    (3, "polres", {"S": 1}),
    (4, "samsat", {"P": 1}),
    (5, "bpjs-kesehatan", {"B": 1}),
    (6, "dpmptsp", {"N": 1}),
    (7, "kpp-pratama", {"T": 1}),
    (8, "bapenda", {"D": 1}),
    (9, "bpn", {"M": 1}),
]


@transaction.atomic
def seed(*, hall, users, stdout):
    agencies = {a.slug: a for a in Agency.objects.filter(hall=hall)}
    services = {}
    for slug, code, name, minutes, fee, duration, product, requirements, legal in SERVICES:
        if slug not in agencies:
            continue
        services[code], _created = Service.objects.update_or_create(
            agency=agencies[slug],
            code=code,
            defaults={
                "name": name,
                "slug": _slugify(name),
                "description": f"{name} di {agencies[slug].short_name}, {hall.name}.",
                "average_service_minutes": minutes,
                "fee": fee,
                "fee_note": "Disetor melalui bank persepsi/QRIS." if fee else "",
                "duration": duration,
                "product": product,
                "requirements": requirements,
                "legal_basis": legal,
                "accepted_priorities": ALL_PRIORITIES,
                "daily_ticket_cap": 150,
                "procedure": (
                    "1. Ambil nomor antrean di kios atau pesan secara daring.\n"
                    "2. Tunggu panggilan di ruang tunggu.\n"
                    "3. Serahkan persyaratan kepada petugas loket.\n"
                    "4. Petugas memverifikasi dan memproses permohonan.\n"
                    "5. Terima produk layanan atau tanda terima."
                ),
                "staff_competence": "Petugas terlatih pada aplikasi layanan instansi.",
                "staff_count": 2,
                **COMMON,
            },
        )
    for number, slug, weights in COUNTERS:
        if slug not in agencies:
            continue
        counter, _created = Counter.objects.update_or_create(
            hall=hall,
            number=number,
            defaults={"agency": agencies[slug], "name": ""},
        )
        for code, weight in weights.items():
            if code in services:
                CounterService.objects.update_or_create(
                    counter=counter, service=services[code], defaults={"weight": weight}
                )
    # Online booking for every demo service: Mon-Fri 08:00-12:00, 30-minute
    # slots of 4 seats, 20 a day, 14 days ahead, same-day until 10:00.
    for service in services.values():
        BookingSchedule.objects.get_or_create(
            service=service,
            defaults={
                "weekdays": [0, 1, 2, 3, 4],
                "opens": datetime.time(8),
                "closes": datetime.time(12),
                "slot_minutes": 30,
                "seats_per_slot": 4,
                "daily_quota": 20,
                "days_ahead": 14,
                "same_day_cutoff": datetime.time(10),
            },
        )
    stdout.write(f"  {len(services)} layanan, {len(COUNTERS)} loket")
    counters = Counter.objects.filter(hall=hall).prefetch_related("services")
    staff = {}
    for user in users.values():
        if user.role == User.Role.COUNTER_STAFF and user.agency_id:
            staff.setdefault(user.agency_id, user)
    seed_history(hall=hall, services=services, counters=list(counters), staff=staff, stdout=stdout)


def _slugify(name):
    from django.utils.text import slugify

    return slugify(name)[:80]
