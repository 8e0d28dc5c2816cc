"""Embedded PostgreSQL and message broker for a machine with only Python.

``make run`` and ``make test`` call ``python -m mpp_portal.embedded up``
when ``DATABASE_URL`` is unset: it starts a PostgreSQL server (the
``pgserver`` package ships its binaries) with its data and socket under
``var/pgdata`` and creates the ``mpp`` database. The server outlives the
command, so web, worker and beat connect to the same socket; a second
``up`` reuses the running server.

Without ``REDIS_URL`` the Celery broker is kombu's filesystem transport
under ``var/broker``: web, worker and beat stay separate processes that
exchange messages through files.
"""

import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
PGDATA = VAR_DIR / "pgdata"
BROKER_DIR = VAR_DIR / "broker"
DB_NAME = "mpp"


def database_url():
    """Return the URL of the embedded database (the server may be down)."""
    return f"postgresql://postgres@/{DB_NAME}?host={PGDATA}"


def broker_settings():
    """Return (broker_url, transport_options) for the filesystem broker."""
    queue_dir = BROKER_DIR / "queue"
    processed_dir = BROKER_DIR / "processed"
    # Fanout bindings (the worker's remote-control pidbox); kombu's default
    # is a "control" folder in whatever the current directory is.
    control_dir = BROKER_DIR / "control"
    for folder in (queue_dir, processed_dir, control_dir):
        folder.mkdir(parents=True, exist_ok=True)
    options = {
        "data_folder_in": str(queue_dir),
        "data_folder_out": str(queue_dir),
        "processed_folder": str(processed_dir),
        "control_folder": str(control_dir),
        "store_processed": False,
    }
    return "filesystem://", options


def up():
    """Start the embedded PostgreSQL if needed and make sure the database exists."""
    import pgserver

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(PGDATA), cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DB_NAME};")
    return database_url()


def down():
    import pgserver

    if PGDATA.exists():
        server = pgserver.get_server(str(PGDATA), cleanup_mode="stop")
        server.cleanup()


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "up"
    if command == "up":
        print(up())
    elif command == "down":
        down()
    elif command == "url":
        print(database_url())
    else:
        sys.exit(f"usage: python -m mpp_portal.embedded [up|down|url], not {command!r}")
