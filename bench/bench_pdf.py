"""Time the rendering and registration of N documents.

Usage: DATABASE_URL=... .venv/bin/python bench/bench_pdf.py [N]

Renders N documents with ``render_pdf`` alone, then issues N through
``document_issue`` (render + hash + file + row + audit) inside a
transaction that is rolled back, so the database keeps nothing. Files go
to a temporary MEDIA_ROOT that is removed afterwards.
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


def _report(label, timings):
    total = sum(timings)
    print(
        f"{label}: {len(timings)} documents in {total:.2f} s; "
        f"mean {statistics.mean(timings) * 1000:.0f} ms, "
        f"median {statistics.median(timings) * 1000:.0f} ms, "
        f"max {max(timings) * 1000:.0f} ms, {len(timings) / total:.1f} docs/s"
    )


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
                raise Rollback
        except Rollback:
            pass


if __name__ == "__main__":
    main()
