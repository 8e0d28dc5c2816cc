"""The MCP KPK evidence pack: one ZIP per hall and period, built in a worker.

``pack_request()`` (the page's one click) writes the pack row and enqueues
the build in the same transaction (mpp_portal.jobs). ``pack_build()`` (the
task's body) moves it queued -> building -> ready | failed:

1. figures: every tile of the dashboard for the period (regency.figures);
2. documents: the final berita acara of each forum signed in the period,
   the active agreements (CSV), the SIPABES summary (CSV), the figures
   themselves (CSV);
3. issue and pack, in one transaction: the IKM report of each semester,
   the complaint follow-up report, the standar pelayanan of every service
   and the cover (kop surat, the indicators with their figures, the table
   of contents) are issued through mpp_portal.documents (number, QR
   verification, PAdES when configured, listed in the registry); then the
   ZIP with its ``manifest.csv`` (name, size, SHA-256 and the indicators
   each file answers) is stored under a private random name.

A failure anywhere rolls back the registry rows, removes every file this
run stored and the temporary ZIP, and leaves the pack failed with the
message; a ready pack always has its whole file (a constraint says so).

Nothing in a pack identifies a citizen: the figures are the tiles'
aggregates, the complaint report is counts and rates per agency, the
agreements and standards are public records, the SIPABES summary is the
public dashboard with its small-group suppression. The privacy test opens
every file of a pack built from the demo and searches it for every
reporter's, booker's and trader's name, phone, e-mail and NIK.
"""

import datetime
import hashlib
import logging
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from mpp_portal import audit
from mpp_portal.csv_export import csv_bytes
from mpp_portal.documents.models import IssuedDocument
from mpp_portal.jobs.services import enqueue
from mpp_portal.transitions import transition
from mpp_portal.workdays import JAKARTA, day_start
from regency.figures import Context, build_all, csv_rows, figures_by_key
from regency.models import EvidencePack, Indicator, PackDocument
from regency.periods import SEMESTER, Period

logger = logging.getLogger(__name__)

PACK_TASK = "regency.tasks.build_evidence_pack"
KIND = IssuedDocument.Kind.EVIDENCE_PACK
COVER_TEMPLATE = "regency/evidence_cover_pdf.html"
COMPLAINTS_TEMPLATE = "regency/evidence_complaints_pdf.html"
STANDARDS_TEMPLATE = "regency/evidence_standards_pdf.html"
MANIFEST = "manifest.csv"
ERROR_MAX = 2000
# A pack still queued or building this long after it was asked for has lost
# its worker for good (the job is given up after a few lost runs of at most
# CELERY_TASK_TIME_LIMIT each); a new request for its period fails it.
STALE_AFTER = datetime.timedelta(hours=2)
STALE_ERROR = "Penyusunan terhenti tanpa hasil (pekerja latar belakang berhenti)."

# File names inside the ZIP, in the order of the table of contents.
COVER_NAME = "00-sampul-paket-bukti.pdf"
FIGURES_NAME = "01-angka-dasbor.csv"
BERITA_ACARA_DIR = "02-berita-acara"
IKM_DIR = "03-laporan-ikm"
COMPLAINTS_NAME = "04-laporan-tindak-lanjut-pengaduan.pdf"
AGREEMENTS_NAME = "05-perjanjian-kerja-sama-berlaku.csv"
STANDARDS_NAME = "06-standar-pelayanan.pdf"
SIPABES_NAME = "07-ringkasan-sipabes-{year}.csv"

# The default list (seed): the dashboard's figures and the pack's documents,
# one area per strategic issue of the seed article.
# (area, code, name, figure key or "", document or "")
_C, _K, _A, _S = (
    "Sentralisasi layanan",
    "Komitmen kepala OPD",
    "Kesadaran publik",
    "Petugas layanan",
)
_P, _I, _M = "Pengaduan (SP4N-LAPOR!)", "Investasi", "Kepuasan masyarakat"
DEFAULT_INDICATORS = [
    (_C, "1.1", "Layanan MPP di bawah PKS berlaku", "centralised.services_covered", ""),
    (_C, "1.2", "Layanan kabupaten yang belum masuk MPP", "centralised.services_pending", ""),
    (_C, "1.3", "Perjanjian kerja sama dengan instansi penyelenggara", "", PackDocument.AGREEMENTS),
    (_K, "2.1", "Forum konsultasi publik yang terlaksana", "commitment.forums_held", ""),
    (_K, "2.2", "Berita acara FKM yang ditandatangani", "commitment.berita_acara_signed", ""),
    (_K, "2.3", "Berita acara kesepakatan FKM bertanda tangan", "", PackDocument.BERITA_ACARA),
    (_K, "2.4", "Butir kesepakatan FKM selesai tepat waktu", "commitment.on_time_rate", ""),
    (_A, "3.1", "Kunjungan ke MPP (tiket dan pemesanan)", "awareness.visits", ""),
    (_A, "3.2", "Pemesanan layanan secara daring", "awareness.bookings_online", ""),
    (_A, "3.3", "Kunjungan halaman katalog layanan", "awareness.catalogue_views", ""),
    (_A, "3.4", "Standar pelayanan setiap layanan", "", PackDocument.SERVICE_STANDARDS),
    (_S, "4.1", "Median waktu tunggu", "staff.wait_median", ""),
    (_S, "4.2", "Median waktu layanan", "staff.service_median", ""),
    (_S, "4.3", "Tiket per jam kerja petugas", "staff.tickets_per_staff_hour", ""),
    (_S, "4.4", "Loket dengan waktu tunggu di atas standar", "staff.counters_over_standard", ""),
    (_P, "5.1", "Pengaduan yang diterima", "complaints.received", ""),
    (_P, "5.2", "Diverifikasi dalam 3 hari kerja", "complaints.verified_on_time_rate", ""),
    (_P, "5.3", "Ditindaklanjuti dalam 5 hari kerja", "complaints.followed_up_on_time_rate", ""),
    (_P, "5.4", "Pengaduan lewat batas waktu saat ini", "complaints.overdue_now", ""),
    (_P, "5.5", "Kepuasan pelapor atas tindak lanjut", "complaints.satisfaction", ""),
    (_P, "5.6", "Laporan tindak lanjut pengaduan per instansi", "", PackDocument.COMPLAINTS_REPORT),
    (_I, "6.1", "NIB terbit melalui SIPABES", "investment.nib_issued", ""),
    (_I, "6.2", "Modal usaha pelaku usaha terdaftar", "investment.capital", ""),
    (_I, "6.3", "Modal usaha terhadap target investasi tahunan", "investment.target_share", ""),
    (_I, "6.4", "Ringkasan SIPABES", "", PackDocument.SIPABES),
    (_M, "7.1", "Indeks Kepuasan Masyarakat gedung MPP", "ikm.ikm", ""),
    (_M, "7.2", "Jumlah responden survei kepuasan", "ikm.respondents", ""),
    (_M, "7.3", "Laporan survei kepuasan masyarakat per semester", "", PackDocument.IKM_REPORT),
]  # fmt: skip


def indicators_seed(hall):
    """Give ``hall`` the default indicator list if it has none; return its rows.

    Figure keys a tile does not (yet) publish stay as written: the cover
    says "angka tidak tersedia" for them and the admin corrects the key.
    """
    if not Indicator.objects.filter(hall=hall).exists():
        Indicator.objects.bulk_create(
            [
                Indicator(
                    hall=hall,
                    order=position * 10,
                    area=area,
                    code=code,
                    name=name,
                    figure_key=key,
                    document=document,
                )
                for position, (area, code, name, key, document) in enumerate(DEFAULT_INDICATORS, 1)
            ],
            ignore_conflicts=True,
        )
    return list(Indicator.objects.filter(hall=hall))


# ---------------------------------------------------------------------------
# Requesting and building
# ---------------------------------------------------------------------------
def pack_request(*, hall, period, by, request=None):
    """Queue a pack of ``hall`` for ``period``; return it.

    A pack of the same hall and period still queued or building is
    returned instead of a second one (a double click builds once).
    """
    open_packs = EvidencePack.objects.filter(
        hall=hall,
        period=period.slug,
        status__in=[EvidencePack.Status.QUEUED, EvidencePack.Status.BUILDING],
    )
    with transaction.atomic():
        if open_pack := open_packs.select_for_update().first():
            if open_pack.requested_at > timezone.now() - STALE_AFTER:
                return open_pack
            # Its job gave up (a worker died every time it ran it): say so,
            # so the period is free for a new pack.
            transition(
                open_pack,
                EvidencePack.Status.FAILED,
                by=None,
                action="evidence.fail",
                note="stale",
                fields={"finished_at": timezone.now(), "error": STALE_ERROR},
            )
        try:
            # A savepoint: the unique constraint refuses the second of two
            # requests at the same moment; that one returns the first's pack.
            with transaction.atomic():
                pack = EvidencePack.objects.create(hall=hall, period=period.slug, requested_by=by)
        except IntegrityError:
            return open_packs.get()
        audit.record(
            actor=by,
            action="evidence.request",
            obj=pack,
            to_status=pack.status,
            note=period.slug,
            request=request,
        )
        enqueue(PACK_TASK, key=f"evidence-pack:{pack.pk}", pack_id=pack.pk)
    return pack


@dataclass
class Entry:
    """One file of the ZIP."""

    name: str
    data: bytes
    description: str
    document: str = ""  # PackDocument value, "" for the cover and figures
    indicators: list = field(default_factory=list)

    @property
    def sha256(self):
        return hashlib.sha256(self.data).hexdigest()

    @property
    def indicators_text(self):
        """The cover's short form: a long list of codes as its first and last."""
        if len(self.indicators) > 4:
            return f"{self.indicators[0]}–{self.indicators[-1]} ({len(self.indicators)})"
        return ", ".join(self.indicators)


def _set_step(pack, step):
    EvidencePack.objects.filter(pk=pack.pk).update(step=step)


def pack_build(*, pack_id):
    """Build pack ``pack_id`` (the task's body); return its final status.

    A pack already ready or failed is left alone (a redelivered job). A
    pack found building is the rerun of a worker that died: the job row
    guarantees one run at a time, so this run builds it again.
    """
    pack = EvidencePack.objects.select_related("hall", "requested_by").get(pk=pack_id)
    if pack.status in (EvidencePack.Status.READY, EvidencePack.Status.FAILED):
        return pack.status
    if pack.status == EvidencePack.Status.QUEUED:
        with transaction.atomic():
            transition(
                pack,
                EvidencePack.Status.BUILDING,
                by=None,
                action="evidence.build",
                fields={"started_at": timezone.now()},
            )
    stored = []  # storage names written by this run, removed on failure
    try:
        with translation.override("id"):
            _build(pack, stored)
    except Exception as exc:
        logger.exception("evidence pack %s failed", pack.pk)
        for name in stored:
            try:
                pack.file.storage.delete(name)
            except Exception:  # pragma: no cover - keep the first error
                logger.exception("could not remove %s", name)
        pack = EvidencePack.objects.get(pk=pack.pk)
        with transaction.atomic():
            transition(
                pack,
                EvidencePack.Status.FAILED,
                by=None,
                action="evidence.fail",
                note=type(exc).__name__,
                fields={
                    "finished_at": timezone.now(),
                    "error": f"{type(exc).__name__}: {exc}"[:ERROR_MAX],
                },
            )
    return pack.status


def _build(pack, stored):
    hall = pack.hall
    period = pack.period_obj
    today = timezone.localdate(timezone=JAKARTA)
    indicators = [i for i in indicators_seed(hall) if i.is_active]

    _set_step(pack, EvidencePack.Step.FIGURES)
    tiles = build_all(Context(hall=hall, period=period, today=today))
    figures = figures_by_key(tiles)

    _set_step(pack, EvidencePack.Step.DOCUMENTS)
    entries = [
        Entry(
            FIGURES_NAME,
            csv_bytes(csv_rows(Context(hall=hall, period=period), tiles)),
            _("Semua angka dasbor periode ini"),
        ),
        *berita_acara_entries(hall, period),
        Entry(
            AGREEMENTS_NAME,
            agreements_csv(hall, period),
            _("Perjanjian kerja sama yang berlaku dalam periode"),
            PackDocument.AGREEMENTS,
        ),
        *sipabes_entries(hall, period),
    ]

    _set_step(pack, EvidencePack.Step.COVER)
    prefix = f"MCP/{hall.code}/{period.slug}/{pack.pk}"
    with transaction.atomic():
        # Files issued in this transaction are removed again on failure.
        issued = stored
        entries += ikm_entries(pack, period, today, issued)
        complaints = _issue(
            pack,
            number=f"{prefix}/PENGADUAN",
            title=_("Laporan Tindak Lanjut Pengaduan %(period)s") % {"period": period.label},
            template=COMPLAINTS_TEMPLATE,
            context={"period": period, "tile": _tile(tiles, "complaints")},
            issued=issued,
        )
        entries.append(
            Entry(
                COMPLAINTS_NAME,
                complaints,
                _("Jumlah pengaduan dan ketepatan waktu tindak lanjut per instansi"),
                PackDocument.COMPLAINTS_REPORT,
            )
        )
        standards = _issue(
            pack,
            number=f"{prefix}/STANDAR",
            title=_("Standar Pelayanan pada %(hall)s") % {"hall": hall.name},
            template=STANDARDS_TEMPLATE,
            context={"period": period, "services": _services(hall)},
            issued=issued,
        )
        entries.append(
            Entry(
                STANDARDS_NAME,
                standards,
                _("Standar pelayanan setiap layanan (14 komponen)"),
                PackDocument.SERVICE_STANDARDS,
            )
        )
        entries.sort(key=lambda entry: entry.name)
        _link_indicators(entries, indicators)
        sections = cover_sections(indicators, figures, entries)
        cover_entry = Entry(COVER_NAME, b"", _("Sampul: indikator, angka dan daftar isi"))
        cover_entry.indicators = [i.code for i in indicators if i.figure_key]
        toc = [cover_entry, *entries]
        cover_document = None

        def keep_cover(document):
            nonlocal cover_document
            cover_document = document

        cover_entry.data = _issue(
            pack,
            number=prefix,
            title=_("Paket Bukti MCP KPK %(period)s") % {"period": period.label},
            template=COVER_TEMPLATE,
            context={
                "period": period,
                "sections": sections,
                "toc": toc,
                "tiles": tiles,
                "manifest_name": MANIFEST,
                # A period still running is counted up to today.
                "as_of": today if today < period.end else None,
            },
            issued=issued,
            then=keep_cover,
        )
        entries = toc
        _store_zip(pack, entries, stored)
        transition(
            pack,
            EvidencePack.Status.READY,
            by=None,
            action="evidence.ready",
            fields={
                "finished_at": timezone.now(),
                "file": pack.file.name,
                "size": pack.size,
                "sha256": pack.sha256,
                "files": len(entries) + 1,
                "cover": cover_document,
                "step": EvidencePack.Step.WAITING,
            },
        )


def _issue(pack, *, number, title, template, context, issued, then=None):
    """Issue one PDF of the pack through documents; return its bytes."""
    from mpp_portal.documents.services import document_issue

    document = document_issue(
        kind=KIND,
        number=number,
        title=title,
        template_name=template,
        context=context,
        hall=pack.hall,
        issued_by=pack.requested_by,
        related=pack,
    )
    issued.append(document.file.name)
    if then is not None:
        then(document)
    with document.file.open("rb") as handle:
        return handle.read()


def _store_zip(pack, entries, stored):
    """Write the ZIP to a temporary file, then to storage; set size and hash."""
    manifest = manifest_csv(entries)
    handle, path = tempfile.mkstemp(prefix="evidence-", suffix=".zip")
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
            for entry in entries:
                zf.writestr(entry.name, entry.data)
            zf.writestr(MANIFEST, manifest)
        digest = hashlib.sha256()
        with open(path, "rb") as source:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                digest.update(chunk)
            source.seek(0)
            pack.file.save(pack.download_filename, File(source), save=False)
        stored.append(pack.file.name)
        pack.size = os.path.getsize(path)
        pack.sha256 = digest.hexdigest()
    finally:
        os.unlink(path)


# ---------------------------------------------------------------------------
# The pieces
# ---------------------------------------------------------------------------
def _tile(tiles, key):
    return next((tile for tile in tiles if tile.key == key), None)


def format_value(value, unit=""):
    """A figure as the cover prints it ("–" for no data)."""
    if value is None:
        return "–"
    if isinstance(value, float):
        value = Decimal(str(round(value, 2)))
    places = 0 if isinstance(value, int) or value == value.to_integral() else 2
    text = number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)
    if unit == "Rp":
        return f"Rp{text}"
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}".strip()


def berita_acara_entries(hall, period):
    """The final (signed) berita acara of each forum signed in the period."""
    from forums.models import BeritaAcara, Forum

    versions = (
        BeritaAcara.objects.filter(
            is_final=True,
            forum__hall=hall,
            forum__status=Forum.Status.SIGNED,
            forum__signed_at__gte=period.start_at,
            forum__signed_at__lt=period.end_at,
            document__isnull=False,
        )
        .select_related("forum", "document")
        .order_by("forum__signed_at", "forum__pk")
    )
    entries = []
    for version in versions:
        forum = version.forum
        with version.document.file.open("rb") as handle:
            data = handle.read()
        day = forum.starts_at.astimezone(JAKARTA)
        entries.append(
            Entry(
                f"{BERITA_ACARA_DIR}/{day:%Y%m%d}-{forum.slug}.pdf",
                data,
                _("Berita acara FKM %(number)s: %(theme)s")
                % {"number": forum.number, "theme": forum.theme},
                PackDocument.BERITA_ACARA,
            )
        )
    return entries


def semesters(period, today):
    """The semesters the period touches, each with its last day so far."""
    result = []
    for year in range(period.start.year, period.end.year + 1):
        for index in (1, 2):
            semester = Period(SEMESTER, year, index)
            if semester.end < period.start or semester.start > period.end:
                continue
            if semester.start > today:
                continue
            result.append((semester, min(semester.end, today)))
    return result


def ikm_entries(pack, period, today, issued):
    """The hall-wide IKM report of each semester of the period.

    A report of the whole semester issued after the semester ended is
    reused; otherwise one is issued now (services.ikm_report, the same
    renderer and numbering as the IKM page's PDF).
    """
    from services import ikm_report

    hall = pack.hall
    entries = []
    for semester, last_day in semesters(period, today):
        prefix = f"IKM/{hall.code}/{ikm_report.period_code(semester.start, last_day)}/"
        title = ikm_report.report_title({"service": None, "agency": None, "hall": hall})
        done_at = day_start(last_day + datetime.timedelta(days=1))
        document = (
            IssuedDocument.objects.filter(
                kind=ikm_report.KIND,
                hall=hall,
                number__startswith=prefix,
                title=title,
                is_revoked=False,
                issued_at__gte=done_at,
            )
            .order_by("-issued_at")
            .first()
        )
        if document is None:
            document = ikm_report.report_issue(
                hall=hall,
                agency=None,
                service=None,
                date_from=semester.start,
                date_to=last_day,
                number=ikm_report.report_number(
                    hall=hall, date_from=semester.start, date_to=last_day
                ),
                issued_by=pack.requested_by,
            )
            issued.append(document.file.name)
        with document.file.open("rb") as handle:
            data = handle.read()
        entries.append(
            Entry(
                f"{IKM_DIR}/ikm-{semester.slug}.pdf",
                data,
                _("Laporan IKM %(semester)s (%(number)s)")
                % {"semester": semester.label, "number": document.number},
                PackDocument.IKM_REPORT,
            )
        )
    return entries


def agreements_csv(hall, period):
    """Agreements in force at some day of the period (public records, no citizen)."""
    from agreements.models import Agreement

    S = Agreement.Status
    agreements = (
        Agreement.objects.filter(
            hall=hall,
            status__in=[S.ACTIVE, S.EXPIRED, S.RENEWED, S.TERMINATED],
            start_date__lte=period.end,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=period.start))
        .filter(Q(terminated_on__isnull=True) | Q(terminated_on__gte=period.start))
        .prefetch_related("parties", "services")
        .order_by("start_date", "pk")
    )
    rows = [
        [
            _("Nomor"),
            _("Jenis"),
            _("Judul"),
            _("Para pihak"),
            _("Mulai berlaku"),
            _("Berakhir"),
            _("Status sekarang"),
            _("Jumlah layanan"),
            _("Jumlah petugas"),
        ]
    ]
    for agreement in agreements:
        rows.append(
            [
                agreement.main_number,
                agreement.get_kind_display(),
                agreement.title,
                "; ".join(party.name for party in agreement.parties.all()),
                agreement.start_date.isoformat() if agreement.start_date else "",
                agreement.end_date.isoformat() if agreement.end_date else _("tanpa batas"),
                agreement.get_status_display(),
                len(agreement.services.all()),
                agreement.staff_count,
            ]
        )
    return csv_bytes(rows)


def sipabes_entries(hall, period):
    """The public SIPABES dashboard of each year of the period, as CSV."""
    from services.sipabes import dashboard

    entries = []
    for year in range(period.start.year, period.end.year + 1):
        if year < dashboard.FIRST_YEAR:
            continue
        data = dashboard.dashboard_data(regency=hall.regency, year=year)
        measures = [_("Pedagang"), _("NIB terbit"), _("Tenaga kerja"), _("Modal usaha (Rp)")]

        def values(row):
            return [row["traders"], row["nib_issued"], row["workers"], row["capital"]]

        rows = [
            [_("Ringkasan SIPABES"), hall.regency, year],
            ["", *measures],
            [_("Jumlah"), *values(data["totals"])],
            [_("Target investasi kabupaten (Rp)"), data["target"]["amount"]],
            [_("Modal usaha terhadap target (%)"), data["target"]["capital_share_percent"]],
        ]
        for name, title in (
            ("by_month", _("Per bulan pendaftaran")),
            ("by_district", _("Per kecamatan")),
            ("by_scale", _("Per skala usaha")),
            ("by_kbli_section", _("Per kategori KBLI")),
        ):
            block = data[name]
            rows += [[], [title], ["", *measures]]
            rows += [[str(row["label"]), *values(row)] for row in block["rows"]]
            if block["other"]:
                rows.append([str(block["other"]["label"]), *values(block["other"])])
        rows += [[], [str(dashboard.POPULATION_NOTE)], [str(dashboard.PRIVACY_NOTE)]]
        entries.append(
            Entry(
                SIPABES_NAME.format(year=year),
                csv_bytes(rows),
                _("Ringkasan SIPABES tahun %(year)s") % {"year": year},
                PackDocument.SIPABES,
            )
        )
    return entries


def _services(hall):
    from services.models import Service

    return list(
        Service.objects.filter(agency__hall=hall, agency__is_active=True, is_active=True)
        .select_related("agency")
        .order_by("agency__name", "name")
    )


def _link_indicators(entries, indicators):
    by_document = {}
    for indicator in indicators:
        if indicator.document:
            by_document.setdefault(indicator.document, []).append(indicator.code)
    for entry in entries:
        if entry.document:
            entry.indicators = by_document.get(entry.document, [])
        elif entry.name == FIGURES_NAME:
            entry.indicators = [i.code for i in indicators if i.figure_key]


def cover_sections(indicators, figures, entries):
    """The indicators grouped by area, each with its figure or its files."""
    files = {}
    for entry in entries:
        if entry.document:
            files.setdefault(entry.document, []).append(entry.name)
    sections = {}
    for indicator in indicators:
        row = {"indicator": indicator, "figure": None, "value": "", "previous": "", "files": []}
        if indicator.figure_key:
            figure = figures.get(indicator.figure_key)
            row["figure"] = figure
            if figure is not None:
                row["value"] = format_value(figure.value, figure.unit)
                row["previous"] = format_value(figure.previous, figure.unit)
        else:
            row["files"] = files.get(indicator.document, [])
        sections.setdefault(indicator.area, []).append(row)
    return [{"area": area, "rows": rows} for area, rows in sections.items()]


def manifest_csv(entries):
    rows = [["berkas", "ukuran_bita", "sha256", "indikator", "keterangan"]]
    for entry in entries:
        rows.append(
            [
                entry.name,
                len(entry.data),
                entry.sha256,
                "; ".join(entry.indicators),
                str(entry.description),
            ]
        )
    return csv_bytes(rows)
