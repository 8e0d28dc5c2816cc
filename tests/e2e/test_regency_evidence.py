"""The hall admin exports the MCP evidence pack in Chromium and the ZIP arrives.

The pack is built by a real worker: the page shows it queued or building
(htmx poll), then the download link, without a reload.
"""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from regency import evidence
from regency.models import EvidencePack, Indicator
from tests.e2e.steps import accessibility_problems, log_in, shot
from tests.factories import ServiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/E")


def test_admin_exports_the_pack_and_the_zip_arrives(
    live_server, device, hall, agency_a, hall_admin, celery_worker_process
):
    ServiceFactory(agency=agency_a, name="Penerbitan KTP-el", duration="1 hari kerja")
    page = device(1280, 900)
    page.goto(live_server.url + reverse("regency:evidence"))
    log_in(page, hall_admin.username)
    expect(page.get_by_role("heading", name="Paket bukti MCP KPK")).to_be_visible()

    page.get_by_label("Jenis periode").select_option("semester")
    page.get_by_label("Tahun").fill("2026")
    page.get_by_label("Ke-").fill("1")
    page.get_by_role("button", name="Susun paket bukti").click()

    pack = EvidencePack.objects.get()
    row = page.locator(f"#paket-{pack.pk}")
    expect(row).to_contain_text("Semester I 2026")
    shot(page, SHOTS, "evidence-building-desktop")
    # The poll swaps the row in place once the worker is done.
    link = row.get_by_role("link", name="Unduh ZIP")
    expect(link).to_be_visible(timeout=120_000)
    shot(page, SHOTS, "evidence-ready-desktop")
    assert accessibility_problems(page) == []

    with page.expect_download() as download:
        link.click()
    data = download.value.path().read_bytes()
    assert download.value.suggested_filename == f"paket-bukti-mcp-2026-s1-{pack.pk}.zip"
    pack.refresh_from_db()
    assert hashlib.sha256(data).hexdigest() == pack.sha256
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert evidence.COVER_NAME in names and evidence.MANIFEST in names
    (SHOTS / "paket.zip").write_bytes(data)

    # The same list on a phone, with the link.
    phone = device(390, 844)
    phone.goto(live_server.url + reverse("regency:evidence"))
    log_in(phone, hall_admin.username)
    expect(phone.locator(f"#paket-{pack.pk}").get_by_role("link", name="Unduh ZIP")).to_be_visible()
    shot(phone, SHOTS, "evidence-phone")
    assert accessibility_problems(phone) == []


def test_bad_period_shows_an_indonesian_error(live_server, device, hall, hall_admin):
    page = device(390, 844)
    page.goto(live_server.url + reverse("regency:evidence"))
    log_in(page, hall_admin.username)
    page.get_by_label("Jenis periode").select_option("quarter")
    page.get_by_label("Tahun").fill("2026")
    page.get_by_label("Ke-").fill("5")
    page.get_by_role("button", name="Susun paket bukti").click()
    expect(page.get_by_text("Triwulan hanya sampai ke-4.")).to_be_visible()
    assert not EvidencePack.objects.exists()
    shot(page, SHOTS, "evidence-error-phone")
    assert accessibility_problems(page) == []


def test_admin_edits_the_indicator_list(live_server, device, hall, hall_admin):
    page = device(1280, 900)
    page.goto(live_server.url + reverse("regency:evidence_indicators"))
    log_in(page, hall_admin.username)
    expect(page.get_by_role("heading", name="Indikator MCP KPK")).to_be_visible()
    first = Indicator.objects.filter(hall=hall).order_by("order").first()
    page.get_by_label("Nama indikator 1", exact=True).fill(
        "Layanan di MPP dengan PKS (rumusan 2027)"
    )
    rows = Indicator.objects.filter(hall=hall).count()
    new = rows + 1
    page.get_by_label(f"Kode {new}", exact=True).fill("8.1")
    page.get_by_label(f"Nama indikator {new}", exact=True).fill("Indikator tambahan")
    page.get_by_label(f"Angka dasbor {new}", exact=True).fill("ikm.ikm")
    shot(page, SHOTS, "indicators-desktop")
    assert accessibility_problems(page) == []
    page.get_by_role("button", name="Simpan daftar indikator").click()
    expect(page.get_by_text("Daftar indikator disimpan.")).to_be_visible()
    first.refresh_from_db()
    assert first.name == "Layanan di MPP dengan PKS (rumusan 2027)"
    assert Indicator.objects.get(hall=hall, code="8.1").figure_key == "ikm.ikm"
