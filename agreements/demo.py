"""Demo agreements of MPP Perigo Agung (manage.py seed_demo).

The nota kesepakatan and the PKS signed on Thursday 20 June 2024 with the
hall's stakeholders, recorded through the real services (audit entries,
chain checks): some active, Samsat's ending within 60 days, BPJS
Kesehatan's expired, BPJS Ketenagakerjaan's renewed and then amended by an
adendum, PT Pos's terminated; BPN serves without one (flagged on the
coverage page). A short list of the regency's services not yet in the MPP
and a monthly coverage history for the chart.

Idempotent: an agreement is found again by its title in the hall and left
as it is; the list and the history are updated in place.
"""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from agreements import services
from agreements.models import Agreement, CoverageSnapshot, PendingService
from agreements.selectors import coverage_figures
from mpp_portal.organizations.models import Agency
from services.models import Counter, Service

K = Agreement.Kind
SIGNING_DAY = datetime.date(2024, 6, 20)  # Thursday
PLACE = "Muara Aman"
LEGAL_BASIS = (
    "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik\n"
    "Peraturan Presiden Nomor 89 Tahun 2021 tentang Penyelenggaraan Mal Pelayanan Publik\n"
    "Peraturan Menteri Dalam Negeri Nomor 22 Tahun 2020 tentang Tata Cara Kerja Sama Daerah "
    "dengan Daerah Lain dan Kerja Sama Daerah dengan Pihak Ketiga"
)
REGENCY_DUTIES = (
    "Menyediakan ruang gerai, listrik, jaringan internet, mebel, ruang tunggu dan sistem "
    "antrean di Gedung MPP Perigo Agung."
)
PARTNER_DUTIES = (
    "Menempatkan petugas, menyusun SOP dan standar pelayanan, menyediakan peralatan "
    "khusus layanannya, dan membuka gerai pada jam layanan MPP (Senin-Kamis 08.00-16.00, "
    "Jumat 08.00-16.30)."
)
MONITORING = "Monitoring bulanan oleh pengelola MPP; evaluasi bersama setiap semester."
RENEWAL = "Dapat diperpanjang atas kesepakatan para pihak paling lambat 3 bulan sebelum berakhir."
FINANCING = (
    "Biaya pelaksanaan ditanggung masing-masing pihak sesuai tugasnya (APBD dan anggaran mitra)."
)
BUPATI = ("Kopli Ansori", "Bupati Lebong")

CONTACTS = {
    "disdukcapil": "Rahmat Hidayat",
    "dpmptsp": "Sri Wahyuni",
    "bapenda": "Hendra Saputra",
    "samsat": "Yuliana",
    "bpjs-kesehatan": "Andi Pratama",
    "bpjs-ketenagakerjaan": "Maya Sari",
    "kpp-pratama": "Fajar Nugroho",
    "polres": "Bripka Dedi Kurniawan",
    "pos": "Rudi Hartono",
}

PENDING = [
    (
        "Dinas Kesehatan",
        "Surat Izin Praktik tenaga kesehatan",
        "Menunggu integrasi aplikasi SIP dengan sistem antrean MPP.",
        datetime.date(2027, 3, 1),
    ),
    (
        "Dinas Perhubungan",
        "Uji berkala kendaraan bermotor (KIR)",
        "Pengujian memerlukan alat uji di lokasi UPTD; loket pendaftaran direncanakan di MPP.",
        datetime.date(2027, 6, 1),
    ),
    (
        "Dinas Sosial",
        "Pendaftaran dan pemutakhiran DTKS",
        "Petugas belum tersedia; PKS sedang disusun.",
        datetime.date(2027, 1, 15),
    ),
    (
        "Pengadilan Agama Tubei",
        "Informasi dan pendaftaran perkara (e-Court)",
        "Menunggu persetujuan Badilag untuk gerai di luar kantor.",
        None,
    ),
]


def _scan(title):
    """A small signed-scan stand-in: a real PDF naming the agreement."""
    from weasyprint import HTML

    pdf = HTML(
        string=(
            "<html><body style='font-family:sans-serif'><h1>NASKAH PERJANJIAN</h1>"
            f"<p>{title}</p><p>Pindaian contoh untuk data demo MPP Portal.</p></body></html>"
        )
    ).write_pdf()
    return ContentFile(pdf, name="perjanjian.pdf")


def _party(agency, number, signer=("", "")):
    return {
        "agency": agency,
        "number": number,
        "signatory_name": signer[0],
        "signatory_title": signer[1],
    }


def _services(agencies, *slugs):
    return list(Service.objects.filter(agency__in=[agencies[s] for s in slugs if s in agencies]))


def _counters(hall, agencies, *slugs):
    return list(
        Counter.objects.filter(hall=hall, agency__in=[agencies[s] for s in slugs if s in agencies])
    )


def seed(*, hall, users, stdout):
    admin = users.get("admin.mpp")
    today = timezone.localdate()
    agencies = {a.slug: a for a in Agency.objects.filter(hall=hall)}
    for slug, name in CONTACTS.items():
        agency = agencies.get(slug)
        if agency is not None and not agency.contact_name:
            agency.contact_name = name
            if not agency.contact_email:
                agency.contact_email = f"kontak.{slug}@mpp-lebong.test"
            agency.save(update_fields=["contact_name", "contact_email"])

    existing = {a.title: a for a in Agreement.objects.filter(hall=hall)}
    made = 0

    def record(title, *, parties, slugs=(), then=(), **fields):
        nonlocal made
        if title in existing:
            return existing[title]
        values = {
            "kind": K.PKS,
            "signed_on": SIGNING_DAY,
            "signed_place": PLACE,
            "legal_basis": LEGAL_BASIS,
            "regency_duties": REGENCY_DUTIES,
            "partner_duties": PARTNER_DUTIES,
            "monitoring": MONITORING,
            "renewal_clause": RENEWAL,
            "financing": FINANCING,
            "witnesses": "Kepala Bagian Organisasi Setda Kabupaten Lebong\nKepala Bagian Hukum "
            "Setda Kabupaten Lebong",
        } | fields
        agreement = services.agreement_create(
            hall=hall,
            by=admin,
            title=title,
            parties=parties,
            services=_services(agencies, *slugs),
            counters=_counters(hall, agencies, *slugs),
            scan=_scan(title),
            **values,
        )
        for step in then:
            step(agreement)
        existing[title] = agreement
        made += 1
        return agreement

    def signed_on_start(agreement):
        services.agreement_sign(agreement=agreement, by=admin, today=agreement.start_date)

    def sign_now(agreement):
        services.agreement_sign(agreement=agreement, by=admin, today=today)

    # The nota kesepakatan every PKS implements.
    mou_parties = [_party(None, "100.3.7/01/NK/VI/2024", BUPATI)] + [
        _party(agencies[slug], f"NK/{n:02d}/{agencies[slug].short_name.upper()}/VI/2024")
        for n, slug in enumerate(
            [
                "disdukcapil",
                "dpmptsp",
                "bapenda",
                "samsat",
                "bpjs-kesehatan",
                "bpjs-ketenagakerjaan",
                "kpp-pratama",
                "polres",
                "pos",
            ],
            start=1,
        )
        if slug in agencies
    ]
    mou = record(
        "Nota Kesepakatan Penyelenggaraan Mal Pelayanan Publik Perigo Agung Kabupaten Lebong",
        kind=K.MOU,
        parties=mou_parties,
        purpose="Kesepakatan para pihak untuk menyelenggarakan pelayanan terpadu di MPP.",
        start_date=SIGNING_DAY,
        end_date=datetime.date(2029, 6, 19),
        then=[sign_now],
    )

    def pks(slug, number, *, start=SIGNING_DAY, end, staff=2, then=(sign_now,), **extra):
        agency = agencies.get(slug)
        if agency is None:
            return None
        return record(
            f"Perjanjian Kerja Sama Penyelenggaraan Pelayanan {agency.name} pada MPP Perigo Agung",
            parties=[
                _party(None, f"100.3.7/{number}/PKS/VI/2024", BUPATI),
                _party(
                    agency,
                    f"{number}/PKS/{agency.short_name.upper()}/2024",
                    (agency.head_name, agency.head_title),
                ),
            ],
            slugs=[slug],
            implements=mou,
            purpose=f"Pelayanan {agency.short_name} di MPP Perigo Agung.",
            start_date=start,
            end_date=end,
            staff_count=staff,
            then=then,
            **extra,
        )

    # Active for years yet.
    pks("disdukcapil", "11", end=datetime.date(2029, 6, 19), staff=4)
    pks("dpmptsp", "12", end=datetime.date(2029, 6, 19))
    pks("bapenda", "13", end=datetime.date(2027, 6, 19))
    pks("kpp-pratama", "14", end=datetime.date(2027, 6, 19))
    pks("polres", "15", end=None, staff=1)
    # Ends within 60 days of the demo's day: reminders have gone out.
    pks("samsat", "16", end=max(today + datetime.timedelta(days=45), SIGNING_DAY))

    # Expired a year after signing and never renewed.
    def expire(agreement):
        services.agreement_sign(agreement=agreement, by=admin, today=agreement.start_date)
        services.agreement_expire(agreement=agreement, by=admin, today=today)

    pks("bpjs-kesehatan", "17", end=datetime.date(2025, 6, 19), then=[expire])

    # Terminated: the post office took its counter back.
    def terminate(agreement):
        signed_on_start(agreement)
        services.agreement_terminate(
            agreement=agreement,
            by=admin,
            reason="PT Pos Indonesia memusatkan layanannya kembali di Kantor Pos Muara Aman.",
            on=datetime.date(2025, 9, 30),
        )

    pks("pos", "18", end=datetime.date(2027, 6, 19), staff=1, then=[terminate])

    # Renewed: a one-year PKS, its successor, then an adendum to the successor.
    bpjstk = agencies.get("bpjs-ketenagakerjaan")
    first = pks(
        "bpjs-ketenagakerjaan", "19", end=datetime.date(2025, 6, 19), then=[signed_on_start]
    )
    if first is not None and bpjstk is not None:
        renewal_title = (
            f"Perjanjian Kerja Sama Perpanjangan Pelayanan {bpjstk.name} pada MPP Perigo Agung"
        )
        successor = record(
            renewal_title,
            parties=[
                _party(None, "100.3.7/21/PKS/VI/2025", BUPATI),
                _party(bpjstk, "21/PKS/BPJSTK/2025"),
            ],
            slugs=["bpjs-ketenagakerjaan"],
            implements=mou,
            renews=first,
            signed_on=datetime.date(2025, 6, 16),
            start_date=datetime.date(2025, 6, 20),
            end_date=datetime.date(2028, 6, 19),
            staff_count=1,
            then=[sign_now],
        )
        first.refresh_from_db()
        if first.status == Agreement.Status.ACTIVE:
            services.agreement_renew(agreement=first, successor=successor, by=admin)
        record(
            f"Adendum Perjanjian Kerja Sama Pelayanan {bpjstk.name}",
            kind=K.ADDENDUM,
            parties=[
                _party(None, "100.3.7/05/ADD/II/2026", BUPATI),
                _party(bpjstk, "05/ADD/BPJSTK/2026"),
            ],
            amends=successor,
            amended_fields=["staff_count", "hours"],
            purpose="Menambah satu petugas dan membuka gerai pada Jumat sampai pukul 16.30.",
            signed_on=datetime.date(2026, 2, 10),
            start_date=datetime.date(2026, 2, 10),
            end_date=datetime.date(2028, 6, 19),
            staff_count=2,
            then=[sign_now],
        )

    for agency_name, service_name, reason, planned_on in PENDING:
        PendingService.objects.update_or_create(
            hall=hall,
            agency_name=agency_name,
            service_name=service_name,
            defaults={"reason": reason, "planned_on": planned_on},
        )

    _history(hall, today)
    # What the night's task would have done by now: Samsat's 60-day
    # reminder in the outbox (claimed once, so a second seed sends nothing).
    services.agreement_daily(today=today)
    stdout.write(
        f"Perjanjian: {made} baru, {len(existing)} tercatat; {len(PENDING)} layanan belum di MPP."
    )


def _history(hall, today):
    """One snapshot per month since the signing, rising to today's figures."""
    now = coverage_figures(hall)
    months = []
    day = SIGNING_DAY.replace(day=1)
    while day <= today:
        months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    count = len(months)
    for n, month in enumerate(months):
        share = (n + 1) / count
        in_mpp = max(1, round(now["services_in_mpp"] * (0.5 + 0.5 * share)))
        pending = now["services_pending"] + round(6 * (1 - share))
        covered = min(in_mpp, round(now["services_covered"] * (0.4 + 0.6 * share)))
        CoverageSnapshot.objects.update_or_create(
            hall=hall,
            date=month,
            defaults={
                "services_in_mpp": in_mpp,
                "services_covered": covered,
                "services_pending": pending,
            },
        )
    services.coverage_snapshot(hall=hall, today=today)
