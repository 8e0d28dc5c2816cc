"""Demo forums (manage.py seed_demo): the FKM of 20 June 2024, one planned, one in sign-off.

Made through forums.services, so statuses, audit entries, berita acara
versions and hashes are what the app itself writes. Idempotent: a forum
that exists (same hall and theme) is left as it is.

- The Forum Komunikasi Masyarakat of Thursday 20 June 2024 at the Pasar
  Tradisional Modern, Muara Aman (the seed article's issues), signed by the
  Bupati, two OPD heads and a community representative, with agreements
  open, in progress, done and dropped.
- A forum next month, announced, public inputs open.
- A forum waiting only for ``bupati``'s approval (sign in as bupati,
  "Persetujuan berita acara").
"""

import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from forums import services
from forums.models import Forum, Signatory
from mpp_portal.accounts.models import User
from mpp_portal.organizations.models import Agency

JAKARTA = ZoneInfo("Asia/Jakarta")
DEMO_PASSWORD = "demo12345"

FKM_THEME = "Forum Komunikasi Masyarakat: peningkatan kualitas pelayanan publik di MPP Lebong"
PLANNED_THEME = "Forum Konsultasi Publik: standar pelayanan perizinan berusaha dan SIPABES"
SIGNING_THEME = "Forum Konsultasi Publik: pelayanan administrasi kependudukan di MPP"

# username, first name, last name, position, agency slug
OFFICIALS = [
    (
        "kadis.dukcapil",
        "Hendra",
        "Saputra",
        "Kepala Dinas Kependudukan dan Pencatatan Sipil",
        "disdukcapil",
    ),
    (
        "kadis.dpmptsp",
        "Rizal",
        "Effendi",
        "Kepala Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
        "dpmptsp",
    ),
    ("tokoh.masyarakat", "Syamsul", "Bahri", "Perwakilan Masyarakat (Tokoh Masyarakat)", None),
]

# (text, agency slug, target, final status, note or reason)
FKM_ITEMS = [
    (
        "Seluruh jenis pelayanan perizinan dan non-perizinan OPD dipusatkan di MPP Perigo Agung.",
        "dpmptsp",
        datetime.date(2024, 12, 31),
        "done",
        "Semua layanan DPMPTSP dan Disdukcapil dilayani di MPP sejak 1 Desember 2024.",
    ),
    (
        "Kepala OPD penyelenggara layanan menandatangani komitmen bersama dengan satu tujuan dan "
        "visi pelayanan publik.",
        "dpmptsp",
        datetime.date(2024, 9, 30),
        "done",
        "Pakta komitmen ditandatangani 12 kepala OPD pada apel 2 September 2024.",
    ),
    (
        "Sosialisasi keberadaan dan layanan MPP kepada masyarakat di setiap kecamatan, pasar dan "
        "media sosial.",
        "disdukcapil",
        datetime.date(2025, 6, 30),
        "in_progress",
        "Sosialisasi di 8 dari 13 kecamatan; jadwal kecamatan lain disusun.",
    ),
    (
        "Penambahan petugas layanan di loket MPP sesuai jumlah pengunjung harian.",
        "bapenda",
        datetime.date(2025, 3, 31),
        "dropped",
        "Digantikan oleh rotasi petugas antar-OPD yang diatur kesepakatan butir 1.",
    ),
    (
        "Setiap pengaduan ditindaklanjuti instansi sesuai alur kerja SP4N-LAPOR! (Permenpan RB "
        "Nomor 2 Tahun 2015).",
        "disdukcapil",
        datetime.date(2025, 12, 31),
        "open",
        "",
    ),
]

FKM_PEOPLE = [
    ("Kopli Ansori", "Pemerintah Kabupaten Lebong", "pemerintah", "Bupati"),
    ("Mustarani Abidin", "Sekretariat Daerah", "pemerintah", "Sekretaris Daerah"),
    ("Reko Haryanto", "Sekretariat Daerah", "pemerintah", "Asisten I"),
    ("Hendra Saputra", "Disdukcapil", "pemerintah", "Kepala Dinas"),
    ("Rizal Effendi", "DPMPTSP", "pemerintah", "Kepala Dinas"),
    ("Carles Ronsen", "DPRD Kabupaten Lebong", "pemerintah", "Ketua DPRD"),
    ("Siti Aminah", "Kelurahan Pasar Muara Aman", "pengguna", "Pedagang pasar"),
    ("Darmawan", "Desa Tunggang", "pengguna", "Pelaku UMKM"),
    ("Nurhayati", "Kecamatan Lebong Utara", "pengguna", "Ibu rumah tangga"),
    ("Syamsul Bahri", "Lebong Utara", "tokoh", "Tokoh masyarakat"),
    ("Ustaz Junaidi", "Kecamatan Amen", "tokoh", "Tokoh agama"),
    ("Dr. Yuliani", "Universitas Bengkulu", "akademisi", "Dosen"),
    ("Ardiansyah", "LSM Lebong Bersih", "lsm", "Ketua"),
    ("Rahmat Hidayat", "Lebong Pos", "media", "Wartawan"),
]

FKM_INPUTS = [
    (
        "Layanan perizinan masih tersebar di kantor dinas, mohon semua dilayani di MPP.",
        "dpmptsp",
        "Pemusatan layanan",
    ),
    (
        "Banyak warga desa belum tahu ada MPP di pasar, perlu sosialisasi ke kecamatan.",
        "disdukcapil",
        "Sosialisasi MPP",
    ),
    (
        "Pengaduan lewat LAPOR! belum semuanya dijawab instansi.",
        "disdukcapil",
        "Tindak lanjut pengaduan",
    ),
    (
        "Petugas loket pajak hanya satu orang, antrean panjang pada awal bulan.",
        "bapenda",
        "SDM layanan",
    ),
]


def _user(username, first, last, hall, position):
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@mpp-lebong.test",
            "role": User.Role.SIGNATORY,
            "hall": hall,
            "job_title": position,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _first_thursday_next_month(today):
    first = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    return first + datetime.timedelta(days=(3 - first.weekday()) % 7)


def _signatories(forum, bupati, officials, agencies, *, with_community=True):
    services.signatory_add(
        forum,
        user=bupati,
        name="Kopli Ansori",
        position="Bupati Lebong",
        group=Signatory.Group.HEAD_OF_REGION,
    )
    for username, first, last, position, slug in OFFICIALS:
        if slug is None and not with_community:
            continue
        group = Signatory.Group.OPD if slug else Signatory.Group.COMMUNITY
        services.signatory_add(
            forum, user=officials[username], name=f"{first} {last}", position=position, group=group
        )
        if slug:
            services.forum_set_agency(
                forum,
                agency=agencies[slug],
                signatory_name=f"{first} {last}",
                signatory_position=position,
                user=officials[username],
            )


def seed(*, hall, users, stdout):
    agencies = {a.slug: a for a in Agency.objects.filter(hall=hall)}
    if not {"disdukcapil", "dpmptsp", "bapenda"} <= set(agencies):
        stdout.write("forums: demo agencies missing, no demo forums")
        return
    admin = users.get("admin.mpp")
    bupati = users.get("bupati")
    if admin is None or bupati is None:
        stdout.write("forums: demo users missing, no demo forums")
        return
    officials = {
        username: _user(username, first, last, hall, position)
        for username, first, last, position, _slug in OFFICIALS
    }
    existing = set(
        Forum.objects.filter(hall=hall)
        .filter(Q(theme=FKM_THEME) | Q(theme=PLANNED_THEME) | Q(theme=SIGNING_THEME))
        .values_list("theme", flat=True)
    )
    if FKM_THEME not in existing:
        _seed_signed(hall, admin, bupati, officials, agencies)
    if PLANNED_THEME not in existing:
        _seed_planned(hall, admin, agencies)
    if SIGNING_THEME not in existing:
        _seed_in_signing(hall, admin, bupati, officials, agencies)
    stdout.write(
        "forums: FKM 20 Juni 2024 (ditandatangani), satu forum bulan depan (masukan dibuka), "
        "satu menunggu persetujuan bupati"
    )


def _seed_signed(hall, admin, bupati, officials, agencies):
    starts = datetime.datetime(2024, 6, 20, 9, 0, tzinfo=JAKARTA)
    forum = services.forum_plan(
        hall=hall,
        by=admin,
        theme=FKM_THEME,
        starts_at=starts,
        venue="Pasar Tradisional Modern, Kelurahan Pasar Muara Aman, Lebong Utara",
        description=(
            "Forum Komunikasi Masyarakat bersama Penandatanganan PKS stakeholder MPP dan "
            "peluncuran SIPABES. Isu strategis: pemusatan layanan di MPP, komitmen kepala OPD, "
            "sosialisasi MPP, SDM layanan, dan tindak lanjut pengaduan sesuai alur LAPOR!."
        ),
        invited_groups="Pengguna layanan\nTokoh masyarakat\nAkademisi\nLSM\nMedia",
        is_published=True,
        inputs_open=True,
    )
    for text, slug, _topic in FKM_INPUTS:
        services.input_submit(forum=forum, text=text, agency=agencies[slug], is_anonymous=True)
    for entry in forum.inputs.all():
        topic = next(t for text, _s, t in FKM_INPUTS if text == entry.text)
        services.inputs_set_topic(forum, inputs=[entry], topic=topic, by=admin)
    services.forum_hold(forum, by=admin, chaired_by="Mustarani Abidin, Sekretaris Daerah")
    for name, origin, group, role in FKM_PEOPLE:
        services.attendance_add(forum, name=name, origin=origin, group=group, role=role)
    inputs = {e.topic: e for e in forum.inputs.all()}
    topics = [
        "Pemusatan layanan",
        None,
        "Sosialisasi MPP",
        "SDM layanan",
        "Tindak lanjut pengaduan",
    ]
    for (text, slug, target, _status, _note), topic in zip(FKM_ITEMS, topics, strict=True):
        services.item_add(
            forum,
            text=text,
            agency=agencies[slug],
            target_date=target,
            by=admin,
            inputs=[inputs[topic]] if topic else (),
        )
    _signatories(forum, bupati, officials, agencies)
    services.berita_acara_issue(forum.pk, user_id=admin.pk)
    forum.refresh_from_db()
    services.signoff_send(forum, by=admin)
    forum.refresh_from_db()
    for signatory in forum.signatories.select_related("user"):
        services.signoff_approve(forum, user=signatory.user, sha256=forum.frozen_sha256)
    # The approvals happened the day after the forum.
    approved = datetime.datetime(2024, 6, 21, 10, 0, tzinfo=JAKARTA)
    for minutes, signatory in enumerate(forum.signatories.order_by("order")):
        signatory.approved_at = approved + datetime.timedelta(minutes=15 * minutes)
        signatory.save(update_fields=["approved_at"])
    forum.refresh_from_db()
    forum.signed_at = forum.signatories.order_by("-approved_at").first().approved_at
    forum.save(update_fields=["signed_at"])
    services.berita_acara_issue(forum.pk, final=True, user_id=admin.pk)
    for item, (_t, _s, _target, status, note) in zip(
        forum.items.order_by("number"), FKM_ITEMS, strict=True
    ):
        if status == "in_progress":
            services.item_progress(item, by=admin, note=note, target="in_progress")
        elif status == "done":
            services.item_progress(
                item, by=admin, note="Mulai ditindaklanjuti.", target="in_progress"
            )
            services.item_progress(item, by=admin, note=note, target="done")
        elif status == "dropped":
            services.item_progress(item, by=admin, note=note, target="dropped", reason=note)
    forum.items.filter(status="done").update(done_on=datetime.date(2024, 9, 2))


def _seed_planned(hall, admin, agencies):
    day = _first_thursday_next_month(timezone.localdate())
    forum = services.forum_plan(
        hall=hall,
        by=admin,
        theme=PLANNED_THEME,
        starts_at=datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=JAKARTA),
        venue="Aula MPP Perigo Agung, Muara Aman",
        description="Membahas standar pelayanan NIB, perizinan berusaha, dan program SIPABES "
        "di pasar. Sampaikan masukan Anda sebelum forum.",
        invited_groups="Pelaku UMKM dan pedagang pasar\nAsosiasi pengusaha\nAkademisi\nMedia",
        is_published=True,
        inputs_open=True,
    )
    services.forum_set_agency(forum, agency=agencies["dpmptsp"])
    services.input_submit(
        forum=forum,
        agency=agencies["dpmptsp"],
        is_anonymous=True,
        text="Mohon petugas SIPABES datang ke pasar kecamatan sebulan sekali.",
    )
    services.input_submit(
        forum=forum,
        agency=agencies["dpmptsp"],
        name="Darmawan",
        contact="081377001122",
        text="Syarat NIB untuk usaha mikro perlu dijelaskan lebih sederhana.",
    )


def _seed_in_signing(hall, admin, bupati, officials, agencies):
    starts = timezone.now().astimezone(JAKARTA).replace(hour=9, minute=0, second=0, microsecond=0)
    starts -= datetime.timedelta(days=7)
    forum = services.forum_plan(
        hall=hall,
        by=admin,
        theme=SIGNING_THEME,
        starts_at=starts,
        venue="Aula MPP Perigo Agung, Muara Aman",
        is_published=True,
        inputs_open=True,
    )
    services.input_submit(
        forum=forum,
        agency=agencies["disdukcapil"],
        is_anonymous=True,
        text="Loket KTP-el sering tutup sebelum jam layanan berakhir.",
    )
    services.forum_hold(forum, by=admin, chaired_by="Reko Haryanto, Asisten I")
    for name, origin, group, role in FKM_PEOPLE[:4] + FKM_PEOPLE[6:10]:
        services.attendance_add(forum, name=name, origin=origin, group=group, role=role)
    services.item_add(
        forum,
        text="Loket KTP-el melayani sampai pukul 15.00 setiap hari kerja.",
        agency=agencies["disdukcapil"],
        target_date=starts.date() + datetime.timedelta(days=60),
        by=admin,
    )
    services.item_add(
        forum,
        text="Jadwal layanan jemput bola KTP-el ke desa diumumkan di "
        "papan informasi MPP setiap bulan.",
        agency=agencies["disdukcapil"],
        target_date=starts.date() + datetime.timedelta(days=30),
        by=admin,
    )
    services.signatory_add(
        forum,
        user=bupati,
        name="Kopli Ansori",
        position="Bupati Lebong",
        group=Signatory.Group.HEAD_OF_REGION,
    )
    username, first, last, position, slug = OFFICIALS[0]
    services.signatory_add(
        forum,
        user=officials[username],
        name=f"{first} {last}",
        position=position,
        group=Signatory.Group.OPD,
    )
    services.forum_set_agency(
        forum,
        agency=agencies[slug],
        signatory_name=f"{first} {last}",
        signatory_position=position,
        user=officials[username],
    )
    services.berita_acara_issue(forum.pk, user_id=admin.pk)
    forum.refresh_from_db()
    services.signoff_send(forum, by=admin)
    forum.refresh_from_db()
    services.signoff_approve(forum, user=officials[username], sha256=forum.frozen_sha256)
