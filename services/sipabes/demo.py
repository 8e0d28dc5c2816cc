"""SIPABES demo data for MPP Perigo Agung (manage.py seed_demo).

Three markets of Kabupaten Lebong, the launch visit at the Pasar Tradisional
Modern in Kelurahan Pasar Muara Aman on Thursday 20 June 2024 and the visits
after it, a few hundred registrations over 2024-2026 in every state, the
KBLI seed list and the regency's investment targets. Names are fictional;
NIKs are structurally valid Lebong NIKs (17.07) that belong to nobody.

Idempotent: rows are keyed (market by name, visit by market and date,
registration by a fixed idempotency key), so a second run updates and
never duplicates. Historical states are written as they were at the time
(inserts, not transitions: nobody moved them in this database).
"""

import datetime
import random
import uuid

from django.db.models import Max
from django.utils import timezone

from services.sipabes.kbli import kbli_import_seed
from services.sipabes.models import (
    InvestmentTarget,
    Kbli,
    Market,
    Registration,
    Visit,
)

LAUNCH_DATE = datetime.date(2024, 6, 20)
KEY_NAMESPACE = uuid.UUID("6f1c5a52-3d0e-4b8e-9a51-5a1be5000000")
TARGETS = {2024: 1_500_000_000_000, 2025: 1_600_000_000_000, 2026: 1_750_000_000_000}

# (name, village, district code, address, lat, lon)
MARKETS = [
    (
        "Pasar Tradisional Modern Muara Aman",
        "Kelurahan Pasar Muara Aman",
        "17.07.01",
        "Jl. Pasar Baru, Kelurahan Pasar Muara Aman, Kecamatan Lebong Utara",
        "-3.161900",
        "102.198800",
    ),
    (
        "Pasar Tes",
        "Desa Tes",
        "17.07.04",
        "Jl. Lintas Curup-Muara Aman, Desa Tes, Kecamatan Lebong Selatan",
        "-3.282000",
        "102.312000",
    ),
    (
        "Pasar Rimbo Pengadang",
        "Desa Rimbo Pengadang",
        "17.07.05",
        "Desa Rimbo Pengadang, Kecamatan Rimbo Pengadang",
        None,
        None,
    ),
]

FIRST_MALE = [
    "Rahmat",
    "Ujang",
    "Darmawan",
    "Hasan",
    "Sukri",
    "Iwan",
    "Arif",
    "Bambang",
    "Yusuf",
    "Rudi",
    "Feri",
    "Joni",
    "Syaiful",
    "Taufik",
    "Agus",
    "Edi",
]
FIRST_FEMALE = [
    "Sri",
    "Yanti",
    "Rosmawati",
    "Nurhayati",
    "Lina",
    "Desi",
    "Eka",
    "Wati",
    "Ratna",
    "Maryam",
    "Suryani",
    "Fitri",
    "Halimah",
    "Rini",
    "Yuli",
    "Ani",
]
LAST = [
    "Saputra",
    "Harahap",
    "Pratama",
    "Lestari",
    "Hidayat",
    "Wijaya",
    "Kurniawan",
    "Setiawati",
    "Syahputra",
    "Marlina",
    "Anggraeni",
    "Firmansyah",
    "Susanti",
    "Ramadhan",
]
BUSINESS = [
    ("47813", "Ikan Segar {n}"),
    ("47811", "Sayur {n}"),
    ("47812", "Ayam Potong {n}"),
    ("47814", "Kue dan Minuman {n}"),
    ("47822", "Busana {n}"),
    ("47899", "Kelontong Los {n}"),
    ("47112", "Toko Kelontong {n}"),
    ("56102", "Warung Makan {n}"),
    ("56304", "Kedai Kopi {n}"),
    ("14120", "Penjahit {n}"),
    ("95210", "Servis Elektronik {n}"),
    ("47892", "Perabot {n}"),
]
VILLAGES = ["Talang Leak", "Kampung Jawa", "Tes", "Gandung", "Ladang Palembang", "Embong"]
BLOCKS = ["A", "B", "C", "D", "Los Ikan", "Los Sayur"]


def _visit_dates():
    """Return (date, market index, status) of the launch and the later visits."""
    visits = [(LAUNCH_DATE, 0, Visit.Status.CLOSED)]
    day = datetime.date(2024, 7, 18)
    market = 1
    while day <= datetime.date(2026, 11, 26):
        visits.append((day, market % 3, Visit.Status.CLOSED))
        market += 1
        # Every four to six weeks, on a Thursday (market day in Muara Aman).
        day += datetime.timedelta(weeks=4 + market % 3)
    return visits


def _nik(rng, serial):
    district = rng.randint(1, 12)
    female = rng.random() < 0.55
    born = datetime.date(rng.randint(1960, 2003), rng.randint(1, 12), rng.randint(1, 28))
    day = born.day + (40 if female else 0)
    return f"1707{district:02d}{day:02d}{born:%m%y}{serial:04d}", female


def _state(rng, visit_date, last_date):
    """Pick a plausible state: old registrations are done, recent ones in progress."""
    age = (last_date - visit_date).days
    roll = rng.random()
    if age > 60:
        if roll < 0.80:
            return Registration.Status.HANDED_OVER
        if roll < 0.92:
            return Registration.Status.NIB_ISSUED
        return Registration.Status.REJECTED
    if roll < 0.25:
        return Registration.Status.CAPTURED
    if roll < 0.50:
        return Registration.Status.SUBMITTED
    if roll < 0.65:
        return Registration.Status.RETURNED
    if roll < 0.75:
        return Registration.Status.REJECTED
    if roll < 0.88:
        return Registration.Status.NIB_ISSUED
    return Registration.Status.HANDED_OVER


def seed(*, hall, users, stdout):
    result = kbli_import_seed()
    for target_year, amount in TARGETS.items():
        InvestmentTarget.objects.update_or_create(
            regency=hall.regency, year=target_year, defaults={"amount": amount}
        )

    markets = []
    for name, village, district, address, lat, lon in MARKETS:
        market, _created = Market.objects.update_or_create(
            hall=hall,
            name=name,
            defaults={
                "village": village,
                "district_code": district,
                "address": address,
                "latitude": lat,
                "longitude": lon,
                "is_active": True,
            },
        )
        markets.append(market)

    officer = users["petugas.sipabes"]
    visits = []
    rng = random.Random(20240620)
    for date, market_index, status in _visit_dates():
        visit, created = Visit.objects.get_or_create(
            hall=hall,
            market=markets[market_index],
            date=date,
            defaults={
                "status": status,
                "target_traders": 30 if date == LAUNCH_DATE else rng.choice([15, 20, 25]),
                "notes": (
                    "Peluncuran SIPABES oleh Bupati Lebong: NIB terbit di pasar."
                    if date == LAUNCH_DATE
                    else "Jemput bola pendaftaran NIB pelaku usaha pasar."
                ),
            },
        )
        if created:
            visit.officers.add(officer)
        visits.append(visit)

    # Today's visit for the officer to work in, and one planned next week.
    today = timezone.localdate()
    today_visit, created = Visit.objects.get_or_create(
        hall=hall,
        market=markets[0],
        date=today,
        defaults={
            "status": Visit.Status.OPEN,
            "target_traders": 20,
            "opened_at": timezone.now(),
            "notes": "Kunjungan demo yang sedang berlangsung.",
        },
    )
    if created:
        today_visit.officers.add(officer)
    planned, created = Visit.objects.get_or_create(
        hall=hall,
        market=markets[1],
        date=today + datetime.timedelta(days=7),
        defaults={"status": Visit.Status.PLANNED, "target_traders": 25},
    )
    if created:
        planned.officers.add(officer)

    made = _seed_registrations(hall=hall, visits=visits, officer=officer)
    stdout.write(
        f"SIPABES: {len(markets)} markets, {len(visits) + 2} visits, "
        f"{Registration.objects.filter(hall=hall).count()} registrations ({made} new), "
        f"KBLI {Kbli.objects.count()} codes ({result.created} new)."
    )


def _seed_registrations(*, hall, visits, officer):
    rng = random.Random(17070120)
    existing = set(
        Registration.objects.filter(idempotency_key__isnull=False).values_list(
            "idempotency_key", flat=True
        )
    )
    rows, kbli_links, stamps = [], [], []
    kbli_risk = dict(Kbli.objects.values_list("code", "risk"))
    last_date = visits[-1].date
    serial = 0
    nib_base = int(Registration.objects.aggregate(m=Max("nib"))["m"] or 0)
    for visit in visits:
        count = 40 if visit.date == LAUNCH_DATE else rng.randint(10, 22)
        for _n in range(count):
            serial += 1
            key = uuid.uuid5(KEY_NAMESPACE, f"{hall.slug}-{serial}")
            nik, female = _nik(rng, serial)
            first = rng.choice(FIRST_FEMALE if female else FIRST_MALE)
            name = f"{first} {rng.choice(LAST)}"
            codes = [rng.choice(BUSINESS)]
            if rng.random() < 0.15:
                codes.append(rng.choice(BUSINESS))
            codes = list(dict.fromkeys(c for c, _t in codes))
            label = next(t for c, t in BUSINESS if c == codes[0])
            roll = rng.random()
            if roll < 0.90:
                capital = rng.randrange(2_000_000, 300_000_000, 500_000)
            elif roll < 0.98:
                capital = rng.randrange(300_000_000, 1_000_000_001, 1_000_000)
            elif roll < 0.995:
                capital = rng.randrange(1_000_000_001, 4_500_000_000, 10_000_000)
            else:
                capital = rng.randrange(5_000_000_001, 9_000_000_000, 10_000_000)
            state = _state(rng, visit.date, last_date)
            moment = timezone.make_aware(
                datetime.datetime.combine(visit.date, datetime.time(9, 0))
                + datetime.timedelta(minutes=rng.randint(0, 300))
            )
            stamps.append((key, moment))
            # Draw every random value before skipping a row that exists, so
            # the sequence (and each key's data) is the same on every run.
            phone = f"+62812{rng.randint(10_000_000, 99_999_999)}"
            village = rng.choice(VILLAGES)
            block, stall = rng.choice(BLOCKS), str(rng.randint(1, 120))
            workers = rng.choice([1, 1, 1, 2, 2, 3, 4])
            if key in existing:
                continue
            issued = state in (Registration.Status.NIB_ISSUED, Registration.Status.HANDED_OVER)
            registration = Registration(
                hall=hall,
                visit=visit,
                market=visit.market,
                officer=officer,
                nik=nik,
                name=name,
                phone=phone,
                home_address=f"Desa {village}, Kabupaten Lebong",
                business_name=label.format(n=first),
                block=block,
                stall_number=stall,
                capital=capital,
                workers=workers,
                consent_at=moment,
                status=state,
                status_reason=(
                    "Foto KTP-el tidak terbaca; mohon ulangi pengambilan data."
                    if state == Registration.Status.RETURNED
                    else "Pelaku usaha sudah memiliki NIB dari pendaftaran mandiri di OSS."
                    if state == Registration.Status.REJECTED
                    else ""
                ),
                submitted_at=moment if state != Registration.Status.CAPTURED else None,
                nib=None,
                nib_issued_on=visit.date if issued else None,
                handed_over_at=moment if state == Registration.Status.HANDED_OVER else None,
                idempotency_key=key,
            )
            if issued:
                nib_base = max(nib_base, 9120000000000) + 1
                registration.nib = str(nib_base)
            registration.derive([kbli_risk.get(c, Kbli.Risk.RENDAH) for c in codes])
            rows.append(registration)
            kbli_links.append(codes)
    created = Registration.objects.bulk_create(rows, batch_size=500)
    through = Registration.kbli.through
    through.objects.bulk_create(
        [
            through(registration_id=reg.pk, kbli_id=code)
            for reg, codes in zip(created, kbli_links, strict=True)
            for code in codes
        ],
        batch_size=1000,
    )
    # created_at is auto_now_add; put each new row back on its visit's day.
    when = dict(stamps)
    for reg in created:
        Registration.objects.filter(pk=reg.pk).update(created_at=when[reg.idempotency_key])
    return len(created)
