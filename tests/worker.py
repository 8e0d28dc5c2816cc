"""A real Celery worker process for tests, and a recording SMS gateway.

Loaded as a pytest plugin from tests/conftest.py. A test that needs tasks
to run the way they run in production asks for ``celery_worker_process``::

    @pytest.mark.worker
    @pytest.mark.django_db(transaction=True)
    def test_it(celery_worker_process):
        ...  # commit something that enqueues a task on commit
        celery_worker_process.wait_for(lambda: Thing.objects.get(...).done)

The worker is one ``celery -A mpp_portal worker`` subprocess per test
session (per xdist worker), connected to the TEST database pytest-django
created and to the broker of REDIS_URL (or, unset, the embedded filesystem
broker under var/broker, which both processes find from the same
settings). It consumes a queue of its own, so parallel sessions and a
developer's worker never take each other's tasks; while a test uses it the
test process publishes to that queue. Its SMS_GATEWAY_URL points at a
recording HTTP server (``celery_worker_process.gateway``).
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 60
STOP_TIMEOUT = 15


# --------------------------------------------------------------------------
# Recording SMS/WhatsApp gateway
# --------------------------------------------------------------------------
class RecordingGateway:
    """An HTTP server on 127.0.0.1 that records each POST and answers ``status``.

    ``statuses`` (a list) overrides ``status`` for the next requests, one
    status per request; ``delay`` makes each answer wait that many seconds.
    """

    def __init__(self, status=200):
        self.status = status
        self.statuses = []
        self.delay = 0
        self.requests = []
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                with gateway._lock:
                    gateway.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "json": body}
                    )
                    status = gateway.statuses.pop(0) if gateway.statuses else gateway.status
                if gateway.delay:
                    time.sleep(gateway.delay)
                answer = json.dumps({"ok": 200 <= status < 300}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def reset(self, status=200):
        with self._lock:
            self.requests.clear()
            self.statuses.clear()
            self.status = status
            self.delay = 0

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


@pytest.fixture
def sms_gateway(settings):
    """A recording gateway that this process's settings point at (eager tests)."""
    gateway = RecordingGateway()
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_KEY = "kunci-uji"
    settings.SMS_GATEWAY_TIMEOUT = 5
    yield gateway
    gateway.close()


@pytest.fixture
def celery_eager():
    """Run tasks in this process as they are enqueued (unit tests, no broker)."""
    from mpp_portal.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


# --------------------------------------------------------------------------
# Real worker process
# --------------------------------------------------------------------------
def worker_database_url(db=None):
    """Return a DATABASE_URL for the test database pytest-django set up.

    ``db`` is a connection's settings dict, by default the test process's.
    """
    from django.db import connections

    db = db or connections["default"].settings_dict
    name = db["NAME"]
    assert name.startswith("test_"), f"not a test database: {name}"
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    # dj-database-url puts a socket directory given as ?host=... (the
    # embedded PostgreSQL's URL) into OPTIONS, not HOST.
    host = db.get("HOST") or (db.get("OPTIONS") or {}).get("host") or ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    if host.startswith("/"):
        # A Unix socket directory (the embedded PostgreSQL).
        return f"postgresql://{auth}/{name}?host={quote(host)}"
    return f"postgresql://{auth}{host}{port}/{name}"


class WorkerProcess:
    def __init__(self, process, queue, log_path, env, gateway=None):
        self.process = process
        self.queue = queue
        self.log_path = log_path
        self.env = env
        self.gateway = gateway

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def alive(self):
        return self.process.poll() is None

    def wait_for(self, predicate, timeout=30, interval=0.2, message="condition"):
        """Poll ``predicate`` until it is truthy; fail with the worker's log if not."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if not self.alive():
                pytest.fail(f"celery worker exited ({self.process.returncode}):\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout}s waiting for {message}.\n{self.log()}")
            time.sleep(interval)


def _stop(process):
    if process.poll() is not None:
        return
    # SIGTERM is Celery's warm shutdown: the current task finishes.
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # its own session: see Popen
        process.wait(STOP_TIMEOUT)


def _delete_queue(queue):
    """Drop what is left in the queue so the broker does not keep it forever."""
    from mpp_portal.celery import app

    with contextlib.suppress(Exception), app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.queue_purge(queue)
        channel.queue_delete(queue)


@contextlib.contextmanager
def start_celery_worker(*, extra_env=None, queue=None, log_dir=None):
    """Start ``celery -A mpp_portal worker`` on a fresh queue; stop it on exit.

    The worker reads its settings from the environment like any process:
    this one's, plus the test database, the queue and ``extra_env``.
    """
    queue = queue or f"test-{uuid.uuid4().hex[:12]}"
    log_dir = Path(log_dir or BASE_DIR / "var" / "test-workers")
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{queue}.log"
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "mpp_portal.settings",
            "DATABASE_URL": worker_database_url(),
            "CELERY_QUEUE": queue,
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "INFO",
        }
    )
    env.update(extra_env or {})
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "mpp_portal",
        "worker",
        "--pool=solo",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "--include=tests.worker_hooks",
        "--loglevel=INFO",
    ]
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    worker = WorkerProcess(process, queue, log_path, env)
    try:
        worker.wait_for(
            lambda: " ready." in worker.log(),
            timeout=READY_TIMEOUT,
            interval=0.1,
            message="the celery worker to be ready",
        )
        yield worker
    finally:
        _stop(process)
        _delete_queue(queue)
        if process.returncode in (0, -signal.SIGTERM):
            with contextlib.suppress(OSError):
                log_path.unlink()


@contextlib.contextmanager
def publishing_to(queue):
    """Send this process's tasks to ``queue`` (settings are already loaded)."""
    from mpp_portal.celery import app

    saved = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield
    finally:
        app.conf.task_default_queue = saved


@pytest.fixture(scope="session")
def _celery_worker_session(django_db_setup, tmp_path_factory):
    gateway = RecordingGateway()
    try:
        with start_celery_worker(
            extra_env={
                "SMS_GATEWAY_URL": gateway.url,
                "SMS_GATEWAY_KEY": "kunci-worker",
                "SMS_GATEWAY_TIMEOUT": "5",
            }
        ) as worker:
            worker.gateway = gateway
            yield worker
    finally:
        gateway.close()


@pytest.fixture
def celery_worker_process(request, _celery_worker_session):
    """The session's real Celery worker, consuming what this test enqueues.

    The test must use ``django_db(transaction=True)``: the worker is another
    process and sees only committed rows.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        pytest.fail("celery_worker_process needs @pytest.mark.django_db(transaction=True)")
    worker = _celery_worker_session
    if not worker.alive():
        pytest.fail(f"celery worker died ({worker.process.returncode}):\n{worker.log()}")
    worker.gateway.reset()
    with publishing_to(worker.queue):
        yield worker
