"""Time the rendering and registration of N documents.

Usage: DATABASE_URL=... .venv/bin/python bench/bench_pdf.py [N]

Renders N documents with ``render_pdf`` alone, then issues N through
``document_issue`` (render + hash + file + row + audit) inside a
transaction that is rolled back, so the database keeps nothing. Files go
to a temporary MEDIA_ROOT that is removed afterwards.

Then the FKM berita acara kesepakatan of issue 11 (40 participants, 15
agreements, 8 signatories; target: under 1 s per render), as a draft and
as the final PDF with every approval printed, and the forum's follow-up
report (``forums.reports``), each rendered N times.
"""

import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp_portal.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402

from mpp_portal.documents import services  # noqa: E402
from mpp_portal.documents.pdf import render_pdf  # noqa: E402
from mpp_portal.organizations.models import Hall  # noqa: E402


class Rollback(Exception):
    pass


def _report(label, timings, cpu=None):
    total = sum(timings)
    line = (
        f"{label}: {len(timings)} documents in {total:.2f} s; "
        f"mean {statistics.mean(timings) * 1000:.0f} ms, "
        f"median {statistics.median(timings) * 1000:.0f} ms, "
        f"max {max(timings) * 1000:.0f} ms, {len(timings) / total:.1f} docs/s"
    )
    if cpu:
        # The process's CPU time: what one render costs on an idle core, even
        # when other work shares the machine (the wall clock then says more
        # about the load than about the document).
        line += f"; CPU median {statistics.median(cpu) * 1000:.0f} ms"
    print(line)


def _time(fn, timings, cpu):
    """Run ``fn`` once, appending its wall-clock and CPU seconds."""
    wall, used = time.perf_counter(), time.process_time()
    fn()
    cpu.append(time.process_time() - used)
    timings.append(time.perf_counter() - wall)


def main():
    logging.getLogger("mpp_portal.documents").setLevel(logging.WARNING)
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    paragraphs = [f"Paragraf uji nomor {i} untuk mengukur waktu cetak dokumen." for i in range(12)]
    with tempfile.TemporaryDirectory() as media:
        settings.MEDIA_ROOT = media
        try:
            with transaction.atomic():
                hall = Hall.objects.create(
                    name="MPP Bench", slug="mpp-bench-pdf", address="Jl. Uji No. 1", code="BNC"
                )
                context = {"paragraphs": paragraphs, "signatory_name": "Pejabat Uji"}
                # The first render loads fonts and stylesheets; keep it out of the figures.
                render_pdf("documents/pdf_generic.html", {**context, "hall": hall, "issued": {}})

                timings = []
                for _ in range(count):
                    started = time.perf_counter()
                    render_pdf(
                        "documents/pdf_generic.html", {**context, "hall": hall, "issued": {}}
                    )
                    timings.append(time.perf_counter() - started)
                _report("render_pdf", timings)

                timings = []
                for i in range(count):
                    started = time.perf_counter()
                    services.document_issue(
                        kind="generic",
                        number=f"BENCH/{i:04d}",
                        title="Dokumen Bench",
                        template_name="documents/pdf_generic.html",
                        context=context,
                        hall=hall,
                    )
                    timings.append(time.perf_counter() - started)
                _report(
                    "document_issue" + (" (signed)" if settings.DOCUMENT_SIGNING_P12 else ""),
                    timings,
                )
                _bench_forum(hall, count)
                raise Rollback
        except Rollback:
            pass


def _bench_forum(hall, count):
    """The berita acara with 40 participants and 15 agreements; the follow-up report."""
    import datetime

    from django.utils import timezone

    from forums import reports
    from forums.models import AgreementItem, Attendance, Forum, ForumAgency, Signatory
    from forums.services import render_berita_acara_pdf
    from mpp_portal.accounts.models import User
    from mpp_portal.documents.services import _kop
    from mpp_portal.organizations.models import Agency
    from mpp_portal.workdays import JAKARTA

    agencies = [
        Agency.objects.create(
            hall=hall,
            name=f"Dinas Uji Bench {n}",
            short_name=f"Dinas {n}",
            slug=f"dinas-bench-{n}",
            kind=Agency.Kind.REGIONAL,
        )
        for n in range(1, 6)
    ]
    forum = Forum.objects.create(
        hall=hall,
        slug="fkm-bench",
        theme="Sentralisasi pelayanan perizinan dan nonperizinan di Mal Pelayanan Publik",
        starts_at=datetime.datetime(2024, 6, 20, 9, 0, tzinfo=JAKARTA),
        venue="Pasar Tradisional Modern, Muara Aman",
        number="BA/FKM/BENCH/2024",
        chaired_by="Sekretaris Daerah",
    )
    for agency in agencies:
        ForumAgency.objects.create(
            forum=forum,
            agency=agency,
            signatory_name=f"Kepala {agency.name}",
            signatory_position=f"Kepala {agency.name}",
        )
    groups = list(Attendance.Group.values)
    Attendance.objects.bulk_create(
        Attendance(
            forum=forum,
            name=f"Peserta Uji Nomor {n}",
            origin=f"Kelurahan Uji {n % 7}",
            group=groups[n % len(groups)],
            role="Peserta",
        )
        for n in range(40)
    )
    AgreementItem.objects.bulk_create(
        AgreementItem(
            forum=forum,
            number=n,
            text=(
                f"Kesepakatan nomor {n}: instansi penanggung jawab memindahkan layanan ke MPP, "
                "mengumumkan standar pelayanan dan melaporkan kemajuannya setiap bulan."
            ),
            agency=agencies[n % len(agencies)],
            target_date=datetime.date(2024, 7, 1) + datetime.timedelta(days=7 * n),
        )
        for n in range(1, 16)
    )
    now = timezone.now()
    for n in range(8):
        user = User.objects.create(
            username=f"bench.signatory.{n}", role=User.Role.SIGNATORY, hall=hall
        )
        Signatory.objects.create(
            forum=forum,
            user=user,
            name=f"Penanda Tangan Uji {n}",
            position="Bupati Lebong" if n == 0 else f"Kepala Dinas Uji {n}",
            group=Signatory.Group.HEAD_OF_REGION if n == 0 else Signatory.Group.OPD,
            order=n,
            approved_at=now,
            approved_sha256="a" * 64,
            approved_ip="192.0.2.10",
        )
    forum = Forum.objects.select_related("hall").get(pk=forum.pk)
    render_berita_acara_pdf(forum)  # warm-up
    for label, final in (("draft", False), ("final", True)):
        timings, cpu = [], []
        for _ in range(count):
            _time(lambda final=final: render_berita_acara_pdf(forum, final=final), timings, cpu)
        _report(f"berita acara {label} (40 participants, 15 agreements)", timings, cpu)

    issued = {"number": "FKM-TL/BENCH/1", "title": reports.report_title(forum), "issued_at": now}
    context = {"forum": forum, "hall": hall, "kop": _kop(hall), "issued": issued}
    timings, cpu = [], []
    for _ in range(count):
        _time(
            lambda: render_pdf(
                reports.PDF_TEMPLATE, {**context, "report": reports.report_data(forum)}
            ),
            timings,
            cpu,
        )
    _report("forum follow-up report (15 agreements)", timings, cpu)


if __name__ == "__main__":
    main()
