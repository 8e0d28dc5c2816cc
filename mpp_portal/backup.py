"""Back up and restore the portal: the database and the media folder in one file.

    python -m mpp_portal.backup create [--output FILE | -]
    python -m mpp_portal.backup restore FILE|- [--force]

Both take ``--database-url`` and ``--media-root`` to work on another
database or folder than the settings' (the tests restore into a fresh
database that way). ``make backup`` and ``make restore FILE=...`` wrap them;
under docker compose ``-`` streams the archive through standard output or
input, so it lands on (or comes from) the host.

The archive is one tar file (the dump and most media are compressed
already):

    manifest.json    what, when, from which server, the dump's SHA-256
    database.dump    pg_dump --format=custom of the whole database
    media/...        MEDIA_ROOT as it was just after the dump

The dump is one consistent snapshot, taken while the portal runs. The media
folder is read after it: a file written in between is in the archive
without a row naming it (harmless), and a file deleted in between would be
missing although a row names it (the portal deletes media only with the
row that names them, or, in the nightly sweep, when no row has named them
for a day: mpp_portal/documents/sweep.py).

Restore replaces everything or nothing. pg_restore first turns the dump
into SQL (a damaged archive stops there, before the database is touched);
then psql runs ``DROP SCHEMA public CASCADE; CREATE SCHEMA public;`` and
that SQL as ONE transaction with ON_ERROR_STOP, so a failure anywhere
rolls back to the database as it was. A restore into a temporary database
renamed afterwards would need every other connection closed and the right
to create databases; pg_restore --clean would keep tables the dump does not
know (from a later migration). The media are extracted into a staging
folder inside MEDIA_ROOT (same file system, and a docker volume's mount
point cannot be renamed) and swapped in by renames after the commit.
Restore refuses a database holding any table, or a media folder holding
any file, unless ``force``. Stop web, worker and beat first: the drop waits
for their locks and they would write into the database being replaced.

pg_dump, pg_restore and psql are taken from one folder, so a pg_restore
that writes psql's ``\\restrict`` lines meets a psql that reads them. For
the embedded database the pgserver package's binaries (its server's own
version) come first; for a DATABASE_URL server the ones on PATH, then
pgserver's. pg_dump refuses a server newer than itself, and pg_restore an
archive from a newer pg_dump, so a folder of an older version is skipped.
"""

import argparse
import hashlib
import importlib.util
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

ARCHIVE_KIND = "mpp-portal-backup"
ARCHIVE_FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media"
TOOLS = ("pg_dump", "pg_restore", "psql")
# Folders a restore works in, inside MEDIA_ROOT; never backed up.
STAGING_PREFIXES = (".restore-", ".replaced-")
REPLACE_SCHEMA = "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


# --------------------------------------------------------------------------
# Database and tools
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Database:
    """Where a database is: libpq's connection parameters."""

    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""
    sslmode: str = ""

    @classmethod
    def from_settings(cls, db):
        """Read a Django DATABASES entry (dj-database-url puts a socket folder in OPTIONS)."""
        options = db.get("OPTIONS") or {}
        return cls(
            name=db["NAME"],
            user=db.get("USER") or "",
            password=db.get("PASSWORD") or "",
            host=db.get("HOST") or options.get("host") or "",
            port=str(db.get("PORT") or ""),
            sslmode=options.get("sslmode") or "",
        )

    @classmethod
    def from_url(cls, url):
        import dj_database_url

        return cls.from_settings(dj_database_url.parse(url))

    @classmethod
    def default(cls):
        from django.conf import settings

        return cls.from_settings(settings.DATABASES["default"])

    @property
    def is_embedded(self):
        from mpp_portal import embedded

        return bool(self.host) and Path(self.host) == embedded.PGDATA

    def params(self, **overrides):
        params = {
            "dbname": self.name,
            "user": self.user,
            "password": self.password,
            "host": self.host,
            "port": self.port,
            "sslmode": self.sslmode,
        }
        params.update(overrides)
        return {key: value for key, value in params.items() if value}

    def connect(self, **overrides):
        import psycopg

        try:
            return psycopg.connect(**self.params(**overrides), autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as exc:
            raise BackupError(f"cannot connect to the database {self.name!r}: {exc}") from exc

    def env(self):
        """Return the environment for a libpq tool: the password stays out of ``ps``."""
        names = {
            "dbname": "PGDATABASE",
            "user": "PGUSER",
            "password": "PGPASSWORD",
            "host": "PGHOST",
            "port": "PGPORT",
            "sslmode": "PGSSLMODE",
        }
        env = dict(os.environ)
        for key, value in self.params().items():
            env[names[key]] = value
        return env

    def server_version(self):
        """Return (major, full version text) of the server."""
        with self.connect() as conn:
            number = int(conn.execute("SHOW server_version_num").fetchone()[0])
            text = conn.execute("SHOW server_version").fetchone()[0]
        return number // 10000, text

    def table_count(self):
        """Count the tables and other relations outside PostgreSQL's own schemas."""
        with self.connect() as conn:
            return conn.execute(
                """
                SELECT count(*) FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
                  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                  AND n.nspname NOT LIKE 'pg\\_toast%'
                  AND n.nspname NOT LIKE 'pg\\_temp\\_%'
                """
            ).fetchone()[0]


@dataclass(frozen=True)
class Toolset:
    """pg_dump, pg_restore and psql of one PostgreSQL version, from one folder."""

    folder: Path
    major: int
    version: str

    def __getitem__(self, tool):
        return str(self.folder / tool)


def pgserver_bin() -> Path | None:
    """Return the pgserver package's bin folder (the embedded server's tools)."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).parent / "pginstall" / "bin"
    return folder if folder.is_dir() else None


def path_bin() -> Path | None:
    found = shutil.which("pg_dump")
    return Path(found).parent if found else None


def _version(folder):
    result = subprocess.run(
        [str(folder / "pg_dump"), "--version"], capture_output=True, text=True, check=False
    )
    match = re.search(r"\)\s*(\d+)(?:\.(\d+))?", result.stdout)
    if result.returncode != 0 or not match:
        return None, ""
    return int(match.group(1)), result.stdout.strip()


def toolset(*, at_least: int, embedded: bool) -> Toolset:
    """Return the first tool folder of PostgreSQL ``at_least`` or newer."""
    folders = [pgserver_bin(), path_bin()] if embedded else [path_bin(), pgserver_bin()]
    seen = []
    for folder in folders:
        if folder is None or not all((folder / tool).exists() for tool in TOOLS):
            continue
        major, version = _version(folder)
        if major is None:
            continue
        seen.append(f"{folder} ({version})")
        if major >= at_least:
            return Toolset(folder=folder, major=major, version=version)
    raise BackupError(
        f"no pg_dump, pg_restore and psql of PostgreSQL {at_least} or newer "
        f"(found: {', '.join(seen) or 'none'}); install the PostgreSQL {at_least} client tools"
    )


def _run(command, *, env=None, what):
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise BackupError(f"{what} failed (exit {result.returncode}): {detail}")
    return result


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_staging(name):
    return name.startswith(STAGING_PREFIXES)


def _media_files(media_root):
    """Yield every file under media_root, the restore's staging folders left out."""
    if not media_root.is_dir():
        return
    for entry in media_root.iterdir():
        if _is_staging(entry.name):
            continue
        if entry.is_dir() and not entry.is_symlink():
            yield from (path for path in entry.rglob("*") if not path.is_dir())
        else:
            yield entry


def default_output():
    from django.conf import settings
    from django.utils import timezone

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.BASE_DIR) / "var" / "backups" / f"mpp-{stamp}.tar"


def default_media_root():
    from django.conf import settings

    return Path(settings.MEDIA_ROOT)


# --------------------------------------------------------------------------
# Create
# --------------------------------------------------------------------------
def backup_create(
    *,
    output: str | os.PathLike | BinaryIO | None = None,
    database: Database | None = None,
    media_root: str | os.PathLike | None = None,
) -> dict:
    """Dump the database and copy the media folder into one archive.

    ``output`` is a path (default var/backups/mpp-<local time>.tar) or a
    binary file object written as a stream (standard output). Return the
    manifest; its ``path`` is where the file went (None for a stream).
    """
    from django.utils import timezone

    database = database or Database.default()
    media_root = Path(media_root) if media_root else default_media_root()
    major, server_version = database.server_version()
    tools = toolset(at_least=major, embedded=database.is_embedded)

    with tempfile.TemporaryDirectory(prefix="mpp-backup-") as workdir:
        dump = Path(workdir) / DUMP
        _run(
            [tools["pg_dump"], "--format=custom", "--no-password", f"--file={dump}"],
            env=database.env(),
            what="pg_dump",
        )
        files = list(_media_files(media_root))
        manifest = {
            "kind": ARCHIVE_KIND,
            "format": ARCHIVE_FORMAT,
            "created_at": timezone.localtime().isoformat(timespec="seconds"),
            "database": {
                "name": database.name,
                "server_version": server_version,
                "pg_dump": tools.version,
                "pg_dump_major": tools.major,
                "size": dump.stat().st_size,
                "sha256": _sha256(dump),
            },
            "media": {
                "files": len(files),
                "bytes": sum(path.lstat().st_size for path in files),
            },
        }
        if hasattr(output, "write"):
            _write_archive(output, manifest, dump, media_root, stream=True)
            manifest["path"] = None
            return manifest

        path = Path(output) if output else default_output()
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a half-written archive never carries
        # the final name.
        partial = path.with_name(path.name + ".partial")
        try:
            with open(partial, "wb") as handle:
                _write_archive(handle, manifest, dump, media_root, stream=False)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    manifest["path"] = str(path)
    return manifest


def _write_archive(handle, manifest, dump, media_root, *, stream):
    def leave_out_staging(info):
        parts = Path(info.name).parts
        return None if len(parts) > 1 and _is_staging(parts[1]) else info

    with tarfile.open(fileobj=handle, mode="w|" if stream else "w") as tar:
        # The manifest comes first: a reader of a stream sees it before the rest.
        data = json.dumps(manifest, indent=2).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        info.mode = 0o644
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(data))
        tar.add(dump, arcname=DUMP)
        if media_root.is_dir():
            tar.add(media_root, arcname=MEDIA, filter=leave_out_staging)
        else:
            folder = tarfile.TarInfo(MEDIA)
            folder.type = tarfile.DIRTYPE
            folder.mode = 0o755
            folder.mtime = int(time.time())
            tar.addfile(folder)


# --------------------------------------------------------------------------
# Restore
# --------------------------------------------------------------------------
def backup_restore(
    *,
    archive: str | os.PathLike | BinaryIO,
    database: Database | None = None,
    media_root: str | os.PathLike | None = None,
    force: bool = False,
) -> dict:
    """Replace the database and the media folder with an archive's; return its manifest.

    ``archive`` is a path or a binary file object (standard input). A
    database holding any table, or a media folder holding any file, is
    replaced only with ``force``.
    """
    database = database or Database.default()
    media_root = Path(media_root) if media_root else default_media_root()

    with tempfile.TemporaryDirectory(prefix="mpp-restore-") as workdir:
        workdir = Path(workdir)
        label = "standard input" if hasattr(archive, "read") else str(archive)
        if hasattr(archive, "read"):
            # tarfile needs to seek; a pipe cannot.
            path = workdir / "archive.tar"
            with open(path, "wb") as handle:
                shutil.copyfileobj(archive, handle, 1 << 20)
            archive = path
        archive = Path(archive)
        if not archive.is_file():
            raise BackupError(f"no such backup file: {archive}")
        with _open_archive(archive, label) as tar:
            manifest = _read_manifest(tar, label)
            _refuse_to_overwrite(database, media_root, force=force)

            tools = toolset(
                at_least=int(manifest["database"]["pg_dump_major"]),
                embedded=database.is_embedded,
            )
            tar.extract(DUMP, workdir, filter="data")
            dump = workdir / DUMP
            if _sha256(dump) != manifest["database"]["sha256"]:
                raise BackupError(f"{label}: the database dump does not match its SHA-256")
            sql = workdir / "restore.sql"
            # Ownership and grants name roles of the server the dump came
            # from; the restoring user owns everything instead.
            _run(
                [tools["pg_restore"], "--no-owner", "--no-privileges", f"--file={sql}", str(dump)],
                what="pg_restore (reading the dump)",
            )

            media_root.mkdir(parents=True, exist_ok=True)
            token = secrets.token_hex(4)
            staging = media_root / f".restore-{token}"
            members = [
                member
                for member in tar.getmembers()
                if member.name == MEDIA or member.name.startswith(MEDIA + "/")
            ]
            try:
                tar.extractall(staging, members=members, filter="data")
                (staging / MEDIA).mkdir(exist_ok=True)
                _run(
                    [
                        tools["psql"],
                        "--no-psqlrc",
                        "--no-password",
                        "--quiet",
                        "--set=ON_ERROR_STOP=1",
                        "--single-transaction",
                        f"--command={REPLACE_SCHEMA}",
                        f"--file={sql}",
                    ],
                    env=database.env(),
                    what="psql (restoring the database; it is left as it was)",
                )
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            _swap_media(media_root, staging / MEDIA, token)
            shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _open_archive(path, label):
    try:
        return tarfile.open(path, "r:*")
    except tarfile.TarError as exc:
        raise BackupError(f"{label} is not a backup archive (empty, damaged or no tar)") from exc


def _read_manifest(tar, archive):
    try:
        manifest = json.load(tar.extractfile(MANIFEST))
    except (KeyError, ValueError, AttributeError) as exc:
        raise BackupError(f"{archive} is not a portal backup (no readable {MANIFEST})") from exc
    if manifest.get("kind") != ARCHIVE_KIND or manifest.get("format") != ARCHIVE_FORMAT:
        raise BackupError(
            f"{archive} is a {manifest.get('kind')!r} archive of format "
            f"{manifest.get('format')!r}; this portal reads {ARCHIVE_KIND!r} format "
            f"{ARCHIVE_FORMAT}"
        )
    return manifest


def _refuse_to_overwrite(database, media_root, *, force):
    if force:
        return
    tables = database.table_count()
    if tables:
        raise BackupError(
            f"the database {database.name!r} is not empty ({tables} tables); a restore "
            "replaces all of it. Run again with --force (make restore FILE=... FORCE=1)"
        )
    if next(_media_files(media_root), None) is not None:
        raise BackupError(
            f"the media folder {media_root} is not empty; a restore replaces all of it. "
            "Run again with --force (make restore FILE=... FORCE=1)"
        )


def _swap_media(media_root, restored, token):
    """Move the old media aside, the restored ones in, then drop the old ones."""
    replaced = media_root / f".replaced-{token}"
    replaced.mkdir()
    try:
        for entry in list(media_root.iterdir()):
            if not _is_staging(entry.name):
                entry.rename(replaced / entry.name)
        for entry in list(restored.iterdir()):
            entry.rename(media_root / entry.name)
    except OSError as exc:
        raise BackupError(
            f"the database is restored but moving the media failed ({exc}): the restored "
            f"files are in {restored}, the previous ones in {replaced}; move them by hand"
        ) from exc
    shutil.rmtree(replaced, ignore_errors=True)


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------
def _size(count):
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m mpp_portal.backup",
        description="Back up or restore the database and the media folder as one archive.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="write a backup archive")
    create.add_argument(
        "-o",
        "--output",
        help="archive path, or - for standard output (default var/backups/mpp-<time>.tar)",
    )
    restore = commands.add_parser("restore", help="replace the database and media with a backup's")
    restore.add_argument("file", help="archive path, or - for standard input")
    restore.add_argument(
        "--force", action="store_true", help="replace a database or media folder with data"
    )
    for command in (create, restore):
        command.add_argument("--database-url", help="default: the settings' database")
        command.add_argument("--media-root", help="default: the settings' MEDIA_ROOT")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp_portal.settings")
    import django

    django.setup()
    database = Database.from_url(args.database_url) if args.database_url else None
    try:
        if args.command == "create":
            streaming = args.output == "-"
            manifest = backup_create(
                output=sys.stdout.buffer if streaming else args.output,
                database=database,
                media_root=args.media_root,
            )
            out = sys.stderr if streaming else sys.stdout
            where = "standard output" if streaming else manifest["path"]
            print(
                f"Backup written to {where}: database {manifest['database']['name']} "
                f"({_size(manifest['database']['size'])} dump), "
                f"{manifest['media']['files']} media files "
                f"({_size(manifest['media']['bytes'])})",
                file=out,
            )
        else:
            source = sys.stdin.buffer if args.file == "-" else args.file
            manifest = backup_restore(
                archive=source, database=database, media_root=args.media_root, force=args.force
            )
            target = database or Database.default()
            print(
                f"Restored the backup of {manifest['created_at']} into the database "
                f"{target.name} and {manifest['media']['files']} media files into "
                f"{args.media_root or default_media_root()}. If this code is newer than "
                "the backup, run: python manage.py migrate"
            )
    except BackupError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
