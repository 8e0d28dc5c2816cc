"""The nightly media sweep removes a failed write's leftovers, and nothing else."""

import datetime
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from mpp_portal.documents.sweep import SWEPT_FOLDERS, file_fields, media_sweep, referenced_names
from tests.factories import issue_document

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOCUMENT_SIGNING_P12 = ""
    settings.MEDIA_SWEEP_AFTER_HOURS = 24
    return settings.MEDIA_ROOT


def _put(name, *, hours_old):
    """Write ``name`` into media and date it ``hours_old`` hours back."""
    saved = default_storage.save(name, ContentFile(b"%PDF-1.7 sisa"))
    _age(saved, hours_old)
    return saved


def _age(name, hours_old):
    moment = time.time() - hours_old * 3600
    os.utime(default_storage.path(name), (moment, moment))


def test_old_unnamed_files_go_and_everything_else_stays(hall):
    named = issue_document(hall).file.name
    _age(named, 72)  # old, but a row names it
    orphan_pdf = _put("documents/2026/11/sisa-terbit.pdf", hours_old=30)
    orphan_zip = _put("evidence/2026/11/paket-setengah-jadi.zip", hours_old=48)
    young = _put("evidence/2026/12/sedang-disusun.zip", hours_old=1)
    staging = _put(".restore-abc/documents/2026/11/pulih.pdf", hours_old=72)
    elsewhere = _put("logo/kop-surat.png", hours_old=72)

    assert media_sweep() == {"documents": 1, "evidence": 1}

    assert not default_storage.exists(orphan_pdf)
    assert not default_storage.exists(orphan_zip)
    for kept in (named, young, staging, elsewhere):
        assert default_storage.exists(kept), kept
    # A second run finds nothing more.
    assert media_sweep() == {}


def test_the_age_is_the_settings_and_zero_turns_the_sweep_off(settings):
    orphan = _put("complaints/2026/11/lampiran-yatim.jpg", hours_old=30)
    settings.MEDIA_SWEEP_AFTER_HOURS = 0
    assert media_sweep() == {}
    assert default_storage.exists(orphan)
    settings.MEDIA_SWEEP_AFTER_HOURS = 48
    assert media_sweep() == {}
    assert default_storage.exists(orphan)
    assert media_sweep(after_hours=24) == {"complaints": 1}
    assert not default_storage.exists(orphan)


def test_the_cutoff_is_measured_from_now(hall):
    orphan = _put("forums/progress/2026/11/bukti.pdf", hours_old=2)
    later = timezone.now() + datetime.timedelta(hours=21)  # 23 hours old then
    assert media_sweep(now=later) == {}
    assert media_sweep(now=later + datetime.timedelta(hours=2)) == {"forums": 1}
    assert not default_storage.exists(orphan)


def test_a_missing_folder_is_nothing_to_sweep():
    assert not default_storage.exists("agreements")
    assert media_sweep() == {}


def test_every_file_field_writes_under_a_swept_folder():
    """A new FileField writing elsewhere would never be swept: this says so."""
    found = []
    for model, field in file_fields():
        name = field.generate_filename(model(), "berkas.pdf")
        found.append(f"{model._meta.label}.{field.name}")
        assert name.split("/")[0] in SWEPT_FOLDERS, (model, field.name, name)
    assert {
        "documents.IssuedDocument.file",
        "complaints.Attachment.file",
        "agreements.Agreement.scan",
        "forums.ItemProgress.attachment",
        "regency.EvidencePack.file",
    } <= set(found)


def test_the_names_cost_one_query_per_file_field(hall, django_assert_num_queries):
    document = issue_document(hall)
    with django_assert_num_queries(len(list(file_fields()))):
        names = referenced_names()
    assert document.file.name in names
    assert "" not in names and None not in names


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_sweep_runs_in_a_real_worker(hall, tmp_path):
    """Through a worker of its own, pointed at this test's media folder."""
    from mpp_portal.documents.tasks import media_sweep as task
    from tests.worker import publishing_to, start_celery_worker

    named = issue_document(hall).file.name
    _age(named, 72)
    orphan = _put("documents/2026/11/sisa-terbit.pdf", hours_old=30)
    media_root = str(default_storage.path(""))
    with (
        start_celery_worker(
            extra_env={"MEDIA_ROOT": media_root, "MEDIA_SWEEP_AFTER_HOURS": "24"},
            log_dir=tmp_path / "worker",
        ) as worker,
        publishing_to(worker.queue),
    ):
        task.delay()
        worker.wait_for(
            lambda: not default_storage.exists(orphan),
            timeout=60,
            message="the worker to remove the unnamed file",
        )
        # The log says how many and where, never which file.
        worker.wait_for(lambda: "removed 1 unnamed file(s) under documents/" in worker.log())
        assert "sisa-terbit" not in worker.log()
    assert default_storage.exists(named)
