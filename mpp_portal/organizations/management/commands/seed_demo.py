"""Load the demo: MPP Perigo Agung (Kabupaten Lebong), its agencies and one account per role.

Idempotent: a second run updates the same rows instead of adding new ones,
so ``make run`` can call it on every start. Passwords are set when an
account is created and left alone afterwards (someone who changed theirs
keeps it); ``--reset-passwords`` puts ``demo12345`` back.

Apps may add their own demo data (services, counters ...) with a module
``<app>/demo.py`` that defines ``seed(*, hall, users, stdout)``; it runs in
the same transaction, after the hall, agencies and accounts exist.
"""

import datetime
import importlib
import importlib.util

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from mpp_portal.accounts.models import User
from mpp_portal.accounts.services import token_issue
from mpp_portal.organizations.models import Agency, Hall, OfficeHours

DEMO_PASSWORD = "demo12345"

HALL = {
    "slug": "perigo-agung",
    "name": "MPP Perigo Agung",
    "government_name": "Pemerintah Kabupaten Lebong",
    "regency": "Kabupaten Lebong",
    "code": "LBG",
    # The hall sits in the Pasar Tradisional Modern (PTM) complex, where the
    # FKM, the PKS signing and the SIPABES launch took place (20 June 2024).
    "address": (
        "Kompleks Pasar Tradisional Modern (PTM), Kelurahan Pasar Muara Aman, "
        "Kecamatan Lebong Utara, Kabupaten Lebong, Bengkulu"
    ),
    # Contacts printed in every page's footer (demo values: .test domain, a
    # number from the Kominfo fiction range).
    "phone": "(0732) 21000",
    "email": "mpp@lebongkab.test",
    "map_url": "https://www.openstreetmap.org/?mlat=-3.1606&mlon=102.2286#map=17/-3.1606/102.2286",
    "complaint_hotline": "081200001234",
}

_T = datetime.time
# weekday: (opens, closes), None = closed. Friday runs half an hour longer
# because of the midday break for Friday prayers.
OFFICE_HOURS = {
    0: (_T(8, 0), _T(16, 0)),
    1: (_T(8, 0), _T(16, 0)),
    2: (_T(8, 0), _T(16, 0)),
    3: (_T(8, 0), _T(16, 0)),
    4: (_T(8, 0), _T(16, 30)),
    5: None,
    6: None,
}

K = Agency.Kind
# (slug, short name, name, kind, what they serve at the hall)
AGENCIES = [
    (
        "disdukcapil",
        "Disdukcapil",
        "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Lebong",
        K.REGIONAL,
        "KTP-el, Kartu Keluarga, Kartu Identitas Anak, akta kelahiran dan kematian, "
        "surat pindah datang.",
    ),
    (
        "dpmptsp",
        "DPMPTSP",
        "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kabupaten Lebong",
        K.REGIONAL,
        "Perizinan berusaha melalui OSS RBA, NIB, pengelola MPP dan program SIPABES.",
    ),
    (
        "bapenda",
        "Bapenda",
        "Badan Pendapatan Daerah Kabupaten Lebong",
        K.REGIONAL,
        "PBB-P2, BPHTB dan pajak daerah lainnya.",
    ),
    (
        # A provincial office (UPTD of Bapenda Provinsi Bengkulu) working with
        # Polri and Jasa Raharja: still a perangkat daerah.
        "samsat",
        "Samsat",
        "Unit Pelayanan Samsat Lebong (Bapenda Provinsi Bengkulu)",
        K.REGIONAL,
        "Pajak kendaraan bermotor dan pengesahan STNK tahunan.",
    ),
    (
        # BPJS are badan hukum publik, neither ministries nor BUMN; the
        # closest kind for a national public body is kementerian/lembaga.
        "bpjs-kesehatan",
        "BPJS Kesehatan",
        "Badan Penyelenggara Jaminan Sosial Kesehatan",
        K.MINISTRY,
        "Pendaftaran peserta JKN, perubahan data dan pindah faskes.",
    ),
    (
        "bpjs-ketenagakerjaan",
        "BPJS Ketenagakerjaan",
        "Badan Penyelenggara Jaminan Sosial Ketenagakerjaan",
        K.MINISTRY,
        "Kepesertaan pekerja formal dan bukan penerima upah, klaim JHT.",
    ),
    (
        "imigrasi",
        "Imigrasi",
        "Kantor Imigrasi Kelas I TPI Bengkulu",
        K.MINISTRY,
        "Permohonan dan penggantian paspor.",
    ),
    (
        "kpp-pratama",
        "KPP Pratama",
        "Kantor Pelayanan Pajak Pratama Curup",
        K.MINISTRY,
        "Pendaftaran NPWP, aktivasi akun pajak, konsultasi SPT.",
    ),
    (
        "bpn",
        "Kantor Pertanahan",
        "Kantor Pertanahan Kabupaten Lebong",
        K.MINISTRY,
        "Informasi pertanahan, pengecekan sertipikat, peralihan hak.",
    ),
    (
        "polres",
        "Polres Lebong",
        "Kepolisian Resor Lebong",
        K.MINISTRY,
        "SKCK dan perpanjangan SIM.",
    ),
    (
        "kejari",
        "Kejari Lebong",
        "Kejaksaan Negeri Lebong",
        K.MINISTRY,
        "Pengambilan barang bukti tilang dan pelayanan hukum gratis.",
    ),
    (
        "kemenag",
        "Kemenag",
        "Kantor Kementerian Agama Kabupaten Lebong",
        K.MINISTRY,
        "Pendaftaran haji, rekomendasi paspor umrah, legalisasi buku nikah.",
    ),
    (
        "taspen",
        "Taspen",
        "PT Taspen (Persero)",
        K.BUMN,
        "Tabungan hari tua dan pensiun ASN.",
    ),
    (
        "pos",
        "Pos Indonesia",
        "PT Pos Indonesia (Persero)",
        K.BUMN,
        "Pengiriman dokumen hasil layanan ke alamat pemohon, pembayaran tagihan.",
    ),
    (
        "bri",
        "BRI",
        "PT Bank Rakyat Indonesia (Persero) Tbk",
        K.BUMN,
        "Pembukaan rekening dan Kredit Usaha Rakyat untuk pelaku UMK.",
    ),
    (
        "pln",
        "PLN",
        "PT PLN (Persero)",
        K.BUMN,
        "Pasang baru, tambah daya dan pengaduan gangguan listrik.",
    ),
    (
        "bank-bengkulu",
        "Bank Bengkulu",
        "PT Bank Pembangunan Daerah Bengkulu",
        K.BUMD,
        "Pembayaran pajak daerah dan retribusi, tabungan.",
    ),
    (
        "pdam",
        "PDAM",
        "Perusahaan Umum Daerah Air Minum Kabupaten Lebong",
        K.BUMD,
        "Sambungan baru dan pembayaran rekening air.",
    ),
]

R = User.Role
# (username, first name, last name, role, agency slug, job title, Django admin)
# Fictional people; the usernames are the ones README.md lists.
DEMO_NIPS = {"admin.mpp": "198203152006042011", "admin.dukcapil": "198507222010011003"}

USERS = [
    ("admin.mpp", "Dewi", "Anggraini", R.HALL_ADMIN, None, "Kepala Bidang Pengelolaan MPP", True),
    (
        "admin.dukcapil",
        "Hendra",
        "Saputra",
        R.AGENCY_ADMIN,
        "disdukcapil",
        "Kepala Seksi Pelayanan",
        False,
    ),
    (
        "petugas.dukcapil",
        "Siti",
        "Rahmawati",
        R.COUNTER_STAFF,
        "disdukcapil",
        "Petugas Loket",
        False,
    ),
    (
        "petugas.sipabes",
        "Yoga",
        "Pratama",
        R.SIPABES_OFFICER,
        "dpmptsp",
        "Petugas SIPABES",
        False,
    ),
    ("bupati", "Ahmad", "Fauzan", R.SIGNATORY, None, "Bupati Lebong", False),
    ("warga", "Nur", "Aini", R.CITIZEN, None, "", False),
    ("kiosk", "Anjungan", "Lantai 1", R.KIOSK, None, "Anjungan antrean mandiri", False),
    ("api.dukcapil", "Sistem", "SIAK Disdukcapil", R.API_CLIENT, "disdukcapil", "", False),
]
TOKEN_USERS = ("api.dukcapil", "kiosk")


class Command(BaseCommand):
    help = (
        "Load the demo hall MPP Perigo Agung with its agencies and one account per role "
        f"(password {DEMO_PASSWORD}). Safe to run again. Refuses to run with DEBUG off "
        "unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (demo passwords on a real server are a hole).",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help=f"Set every demo account's password back to {DEMO_PASSWORD}.",
        )

    def handle(self, *args, force, reset_passwords, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password; it runs only with "
                "DEBUG=1 (or pass --force if this really is a demo server)."
            )
        with transaction.atomic():
            hall = self._seed_hall()
            agencies = self._seed_agencies(hall)
            users = self._seed_users(hall, agencies, reset_passwords=reset_passwords)
            self._seed_apps(hall, users)
        tokens = {name: token_issue(user=users[name]) for name in TOKEN_USERS}
        self._print_summary(hall, agencies, users, tokens)
        self._issue_demo_document(hall, users["admin.mpp"])

    def _seed_hall(self):
        fields = dict(HALL)
        hall, _created = Hall.objects.update_or_create(slug=fields.pop("slug"), defaults=fields)
        for weekday, hours in OFFICE_HOURS.items():
            if hours is None:
                defaults = {"is_closed": True}
            else:
                defaults = {"opens": hours[0], "closes": hours[1], "is_closed": False}
            OfficeHours.objects.update_or_create(hall=hall, weekday=weekday, defaults=defaults)
        return hall

    def _seed_agencies(self, hall):
        agencies = {}
        for slug, short_name, name, kind, description in AGENCIES:
            agencies[slug], _created = Agency.objects.update_or_create(
                hall=hall,
                slug=slug,
                defaults={
                    "short_name": short_name,
                    "name": name,
                    "kind": kind,
                    "description": description,
                    "is_active": True,
                },
            )
        return agencies

    def _seed_users(self, hall, agencies, *, reset_passwords):
        users = {}
        for username, first, last, role, agency_slug, job_title, admin in USERS:
            user, created = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@mpp-lebong.test",
                    "role": role,
                    # Citizens belong to no hall; everyone else to this one.
                    "hall": None if role == R.CITIZEN else hall,
                    "agency": agencies[agency_slug] if agency_slug else None,
                    "job_title": job_title,
                    # The hall admin signs the IKM report: a (fictional) NIP under the name.
                    "nip": DEMO_NIPS.get(username, ""),
                    "is_active": True,
                    # The hall admin opens the Django admin; a demo shortcut
                    # (README.md says so), not how a real hall admin is set up.
                    "is_staff": admin,
                    "is_superuser": admin,
                },
            )
            if created or reset_passwords:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            users[username] = user
        return users

    def _seed_apps(self, hall, users):
        for app_config in apps.get_app_configs():
            module_name = f"{app_config.name}.demo"
            # find_spec first, so an ImportError inside a demo module is not
            # mistaken for "this app has no demo data".
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            if hasattr(module, "seed"):
                module.seed(hall=hall, users=users, stdout=self.stdout)

    def _print_summary(self, hall, agencies, users, tokens):
        out = self.stdout.write
        out(f"Demo hall: {hall.name} ({hall.regency}), {len(agencies)} instansi.")
        out(f"Demo accounts (password {DEMO_PASSWORD}, unless changed since):")
        for username, *_rest in USERS:
            user = users[username]
            where = user.agency.short_name if user.agency_id else ""
            where = where or (hall.name if user.hall_id else "")
            extra = "  + Django admin /admin/" if user.is_superuser else ""
            out(f"  {username:<18} {user.get_role_display():<16} {where}{extra}")
        out('API tokens (send as "Authorization: Token <token>"):')
        for username, key in tokens.items():
            out(f"  {username:<18} {key}")

    def _issue_demo_document(self, hall, admin):
        """Issue the sample verifiable document, when the documents app provides it."""
        try:
            from mpp_portal.documents import services as document_services
        except ImportError:
            return
        issue = getattr(document_services, "document_issue_demo", None)
        if issue is None:
            return
        document = issue(hall, issued_by=admin)
        url = _verification_url(document)
        if url:
            self.stdout.write(f"Sample document: {settings.SITE_URL}{url}")


def _verification_url(document):
    """Return the path of the document's verification page, whatever the shape."""
    if document is None:
        return ""
    if isinstance(document, str):
        return document
    for attr in ("get_verification_url", "get_absolute_url"):
        method = getattr(document, attr, None)
        if callable(method):
            return method()
    code = getattr(document, "verification_code", None) or getattr(document, "code", None)
    return f"/verifikasi/{code}/" if code else ""
