"""Backups: ``python -m mpp_portal.backup`` and ``make backup`` / ``make restore``.

Every test writes through the real services into the test database, backs it
up with pg_dump and restores it into a FRESH database of its own on the same
server (the local one with DATABASE_URL, the embedded one without), then
reads that database back. The rows must be committed for pg_dump to see
them, hence ``transaction=True``.
"""

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import uuid
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from complaints import services as complaint_services
from complaints.models import Attachment, Complaint, ComplaintUpdate
from mpp_portal.audit.models import AuditEntry
from mpp_portal.backup import (
    BackupError,
    Database,
    backup_create,
    backup_restore,
    path_bin,
    pgserver_bin,
    toolset,
)
from mpp_portal.documents.models import IssuedDocument
from mpp_portal.documents.services import document_issue_demo

committed = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def _jpeg():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 200)).save(out, format="JPEG")
    return SimpleUploadedFile("foto-loket.jpg", out.getvalue(), "image/jpeg")


def _file_complaints(hall, count=2):
    filed = []
    for number in range(count):
        complaint, _ = complaint_services.complaint_file(
            hall=hall,
            kind="pengaduan",
            title=f"Antrean KTP-el terlalu lama {number}",
            description="Saya menunggu lebih dari tiga jam tanpa kepastian di loket KTP-el.",
            reporter_name="Siti Aminah",
            reporter_email="siti@example.test",
            attachments=[_jpeg()] if number == 0 else (),
        )
        filed.append(complaint)
    return filed


def _source():
    return Database.from_settings(connection.settings_dict)


def _url(database):
    auth = quote(database.user, safe="")
    if database.password:
        auth += ":" + quote(database.password, safe="")
    auth = f"{auth}@" if auth else ""
    if database.host.startswith("/"):
        return f"postgresql://{auth}/{database.name}?host={quote(database.host)}"
    port = f":{database.port}" if database.port else ""
    return f"postgresql://{auth}{database.host}{port}/{database.name}"


def _rows(database, table):
    with database.connect() as conn:
        return conn.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()


def _table_counts(database):
    with database.connect() as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {
            name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables
        }


def _media(root):
    root = Path(root)
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def fresh_database():
    """Return a function creating an empty database beside the test database; drop them after."""
    source = _source()
    created = []

    def create():
        name = f"{source.name}_restore_{uuid.uuid4().hex[:8]}"
        with source.connect(dbname="postgres") as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return replace(source, name=name)

    yield create
    with source.connect(dbname="postgres") as conn:
        for name in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@committed
def test_a_restored_backup_holds_the_same_complaints_documents_audit_and_media(
    hall, hall_admin, media_root, fresh_database, tmp_path
):
    complaints = _file_complaints(hall)
    document = document_issue_demo(hall, issued_by=hall_admin)
    assert Attachment.objects.filter(complaint=complaints[0]).count() == 1
    assert AuditEntry.objects.filter(action="complaint.file").count() == 2
    assert AuditEntry.objects.filter(action="document.issue").count() == 1
    source_media = _media(media_root)
    assert document.file.name in source_media
    assert any(name.startswith("complaints/") for name in source_media)

    # The defaults: the settings' database (the test database) and MEDIA_ROOT.
    manifest = backup_create(output=tmp_path / "backups" / "portal.tar")
    archive = Path(manifest["path"])
    assert archive.is_file() and not archive.with_name("portal.tar.partial").exists()
    assert manifest["database"]["name"] == connection.settings_dict["NAME"]
    assert manifest["media"]["files"] == len(source_media)

    target = fresh_database()
    restored_media = tmp_path / "restored-media"
    backup_restore(archive=archive, database=target, media_root=restored_media)

    source = _source()
    for model in (Complaint, ComplaintUpdate, Attachment, IssuedDocument, AuditEntry):
        table = model._meta.db_table
        rows = _rows(target, table)
        assert rows, table
        assert rows == _rows(source, table), table
    # Every other table too (users, halls, outbox, sequences' owners...).
    assert _table_counts(target) == _table_counts(source)
    with target.connect() as conn:
        tracking_ids = [
            row[0] for row in conn.execute("SELECT tracking_id FROM complaints_complaint")
        ]
        path, sha256 = conn.execute(
            "SELECT file, sha256 FROM documents_issueddocument WHERE verification_code = %s",
            [document.verification_code],
        ).fetchone()
    assert sorted(tracking_ids) == sorted(c.tracking_id for c in complaints)

    assert _media(restored_media) == source_media
    assert hashlib.sha256((restored_media / path).read_bytes()).hexdigest() == sha256
    assert not [p for p in restored_media.iterdir() if p.name.startswith(".")]


@committed
def test_restore_refuses_a_database_with_data_unless_forced(
    hall, media_root, fresh_database, tmp_path
):
    _file_complaints(hall, count=1)
    archive = backup_create(output=tmp_path / "one.tar")["path"]
    target = fresh_database()
    restored_media = tmp_path / "restored"
    backup_restore(archive=archive, database=target, media_root=restored_media)

    # The target now has tables: a second restore must be asked for.
    with target.connect() as conn:
        conn.execute("CREATE TABLE left_by_a_later_migration (id int)")
    with pytest.raises(BackupError, match="not empty.*--force"):
        backup_restore(archive=archive, database=target, media_root=restored_media)
    assert "left_by_a_later_migration" in _table_counts(target)

    # An empty database but media files in the way: refused too.
    other = fresh_database()
    with pytest.raises(BackupError, match="media folder.*not empty.*--force"):
        backup_restore(archive=archive, database=other, media_root=restored_media)
    assert _table_counts(other) == {}

    # Forced, the whole database is replaced: nothing of the old one is left.
    (restored_media / "stray.txt").write_text("not in the backup")
    backup_restore(archive=archive, database=target, media_root=restored_media, force=True)
    assert _table_counts(target) == _table_counts(_source())
    assert _media(restored_media) == _media(media_root)


@committed
def test_a_restore_failing_half_way_leaves_the_database_and_media_as_they_were(
    hall, media_root, fresh_database, tmp_path
):
    _file_complaints(hall, count=1)
    archive = backup_create(output=tmp_path / "one.tar")["path"]
    target = fresh_database()
    with target.connect() as conn:
        conn.execute("CREATE TABLE kept (note text)")
        conn.execute("INSERT INTO kept VALUES ('the data before the restore')")
        # A real failure in the middle of the restore: the tables and their
        # rows go in first, then the first CREATE INDEX is refused.
        conn.execute("CREATE SCHEMA guard")
        conn.execute(
            "CREATE FUNCTION guard.refuse() RETURNS event_trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RAISE EXCEPTION 'index refused by the test'; END $$"
        )
        conn.execute(
            "CREATE EVENT TRIGGER refuse_index ON ddl_command_end "
            "WHEN TAG IN ('CREATE INDEX') EXECUTE FUNCTION guard.refuse()"
        )
    restored_media = tmp_path / "restored"
    restored_media.mkdir()
    (restored_media / "kept.txt").write_text("before")

    with pytest.raises(BackupError, match="index refused by the test"):
        backup_restore(archive=archive, database=target, media_root=restored_media, force=True)

    assert _table_counts(target) == {"kept": 1}
    assert _rows(target, "kept") == [("the data before the restore",)]
    assert _media(restored_media) == {"kept.txt": b"before"}
    assert [p.name for p in restored_media.iterdir()] == ["kept.txt"]


@committed
def test_a_damaged_archive_is_refused_before_anything_changes(
    hall, media_root, fresh_database, tmp_path
):
    _file_complaints(hall, count=1)
    archive = Path(backup_create(output=tmp_path / "one.tar")["path"])
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as tar:
        dump = tar.getmember("database.dump")
    data = bytearray(archive.read_bytes())
    data[dump.offset_data + dump.size // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    target = fresh_database()
    with pytest.raises(BackupError, match="does not match its SHA-256"):
        backup_restore(archive=damaged, database=target, media_root=tmp_path / "m")
    assert _table_counts(target) == {}

    not_a_backup = tmp_path / "notes.tar"
    not_a_backup.write_bytes(b"just some text, not a tar file at all" * 20)
    with pytest.raises(BackupError, match="not a backup archive"):
        backup_restore(archive=not_a_backup, database=target, media_root=tmp_path / "m")


def _cli(*args, stdin=None):
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "mpp_portal.settings"}
    return subprocess.run(
        [sys.executable, "-m", "mpp_portal.backup", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        timeout=120,
    )


@committed
def test_the_command_streams_through_standard_output_and_input(
    hall, media_root, fresh_database, tmp_path
):
    """What the docker compose snippet does: the archive crosses a pipe."""
    _file_complaints(hall, count=1)
    source = _url(_source())
    created = _cli(
        "create", "--output", "-", "--database-url", source, "--media-root", str(media_root)
    )
    assert created.returncode == 0, created.stderr.decode()
    assert b"Backup written to standard output" in created.stderr

    target = fresh_database()
    restored_media = tmp_path / "restored"
    restored = _cli(
        "restore",
        "-",
        "--database-url",
        _url(target),
        "--media-root",
        str(restored_media),
        stdin=created.stdout,
    )
    assert restored.returncode == 0, restored.stderr.decode()
    assert f"into the database {target.name}".encode() in restored.stdout
    assert _rows(target, "complaints_complaint") == _rows(_source(), "complaints_complaint")
    assert _media(restored_media) == _media(media_root)

    archive = tmp_path / "from-stdout.tar"
    archive.write_bytes(created.stdout)
    again = _cli(
        "restore", str(archive), "--database-url", _url(target), "--media-root", str(restored_media)
    )
    assert again.returncode == 1
    assert b"not empty" in again.stderr and b"--force" in again.stderr


def test_the_embedded_database_is_dumped_with_pgserver_own_tools():
    folder = pgserver_bin()
    assert folder is not None and (folder / "pg_dump").exists()
    tools = toolset(at_least=16, embedded=True)
    assert tools.folder == folder and tools.major >= 16
    with pytest.raises(BackupError, match="PostgreSQL 99 or newer"):
        toolset(at_least=99, embedded=False)


def test_a_server_database_is_dumped_with_the_tools_on_path_first():
    on_path = path_bin()
    if on_path is None:
        # The docker image: only pgserver's tools, of the compose server's version.
        assert toolset(at_least=16, embedded=False).folder == pgserver_bin()
    else:
        tools = toolset(at_least=9, embedded=False)
        assert tools.folder == on_path


def test_make_backup_and_restore_wrap_the_module():
    dry = subprocess.run(
        ["make", "-s", "-n", "backup", "restore", "FILE=var/backups/x.tar", "FORCE=1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert dry.returncode == 0, dry.stderr
    assert "-m mpp_portal.backup create" in dry.stdout
    assert '-m mpp_portal.backup restore "var/backups/x.tar" --force' in dry.stdout
    help_text = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True)
    assert "make backup" in help_text.stdout and "make restore" in help_text.stdout


def test_the_compose_file_documents_backups_that_reach_the_host():
    text = (ROOT / "docker-compose.yml").read_text()
    # The archive crosses the pipe (tested above), not a container's disk.
    assert "exec -T web python -m mpp_portal.backup create --output - >" in text
    assert "run --rm --no-deps -T web python -m mpp_portal.backup restore --force - <" in text
