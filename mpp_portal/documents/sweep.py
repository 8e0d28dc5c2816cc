"""The nightly media sweep: files no row names, left by a failed write.

A file reaches storage before the transaction that names it commits: an
upload saved with its row, a PDF issued inside a larger transaction (a
SIPABES receipt, a berita acara, the evidence pack's cover and ZIP). When
that transaction rolls back the code removes what it wrote, but a worker
killed mid-build (out of memory, the time limit's SIGKILL, a restart)
cannot: its files stay, holding personal data nobody can reach or delete.

The sweep removes, under the folders the portal's FileFields write into
(``SWEPT_FOLDERS``), every file that no FileField of any model names and
that is older than ``MEDIA_SWEEP_AFTER_HOURS`` (24 by default; 0 turns the
sweep off). The age keeps a file whose transaction is still open. Files
outside those folders (a restore's staging folders, anything an operator
put there) are never touched.

A media folder shared by two databases (a staging copy pointed at the
production folder) would see the other's files as orphans: give each
deployment its own MEDIA_ROOT, or set MEDIA_SWEEP_AFTER_HOURS=0.
"""

import datetime
import logging
import posixpath

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone

logger = logging.getLogger(__name__)

# Top-level folders of MEDIA_ROOT the FileFields write into (a test checks
# that every FileField's upload path starts with one of them).
SWEPT_FOLDERS = ("agreements", "complaints", "documents", "evidence", "forums")


def file_fields():
    """(model, field) for every concrete FileField of every installed model."""
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                yield model, field


def referenced_names():
    """Every storage name a row names (one query per FileField)."""
    names = set()
    for model, field in file_fields():
        names.update(
            model._base_manager.exclude(**{field.attname: ""})
            .exclude(**{f"{field.attname}__isnull": True})
            .values_list(field.attname, flat=True)
            .iterator(chunk_size=5000)
        )
    return names


def _walk(storage, folder):
    """Every file name under ``folder`` of ``storage`` (recursively)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield posixpath.join(folder, name)
    for sub in folders:
        yield from _walk(storage, posixpath.join(folder, sub))


def media_sweep(*, now=None, after_hours=None, storage=None):
    """Delete the unnamed files older than ``after_hours``; return {folder: count}.

    The names are read before the folders are listed, so a file written
    (and named) meanwhile is young and kept.
    """
    after_hours = settings.MEDIA_SWEEP_AFTER_HOURS if after_hours is None else after_hours
    if not after_hours:
        return {}
    storage = storage or default_storage
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=after_hours)
    named = referenced_names()
    removed = {}
    for folder in SWEPT_FOLDERS:
        count = 0
        for name in _walk(storage, folder):
            if name in named:
                continue
            try:
                if storage.get_modified_time(name) >= cutoff:
                    continue
                storage.delete(name)
            except FileNotFoundError:
                continue  # gone meanwhile
            count += 1
        if count:
            removed[folder] = count
            # Counts only: a file's name says nothing, its folder is enough.
            logger.warning("media sweep: removed %s unnamed file(s) under %s/", count, folder)
    return removed
