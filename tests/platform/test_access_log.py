"""The web server's access log: no secret, no full client address.

A real gunicorn, started with the repository's gunicorn.conf.py (the one
the Procfile, the Dockerfile and docker-compose.yml use), serves the test
database on a free localhost port; the test reads back what it logged
(issue 14, items 5 and 6).
"""

import contextlib
import http.cookiejar
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from complaints import services as workflow
from complaints.models import Complaint
from mpp_portal.accesslog import (
    HIDE_ADDRESS_KEY,
    LOG_MASK,
    PrivateAccessLogger,
    private_atoms,
    truncate_address,
)
from mpp_portal.accounts.models import User
from tests.worker import worker_database_url

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 60
API_KEY = "0123456789abcdef0123456789abcdef01234567"


# --------------------------------------------------------------------------
# The rules, one by one
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("2001:db8:abcd:12:1:2:3:4", "2001:db8:abcd::"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
        ("198.51.100.9, 10.0.0.7", "198.51.100.0, 10.0.0.0"),
        ("-", "-"),
        ("unix:/run/gunicorn.sock", "-"),
    ],
)
def test_addresses_are_cut_to_their_network(value, expected):
    assert truncate_address(value) == expected


def _atoms(**extra):
    atoms = {
        "h": "203.0.113.77",
        "r": "GET /pengaduan/lacak/LBG-2026-000001/?token=s3cr3t HTTP/1.1",
        "q": "token=s3cr3t",
        "U": "/pengaduan/lacak/LBG-2026-000001/",
        "f": "https://mpp.example/pesan/kelola/B-1/?token=s3cr3t",
        "{x-complaint-token}i": "s3cr3t",
        "{authorization}i": "Token s3cr3t",
        "{cookie}i": "sessionid=s3cr3t",
        "{x-forwarded-for}i": "203.0.113.77",
        "{raw_uri}e": "/open311/v2/requests/1.json?api_key=s3cr3t",
        "{http_x_complaint_token}e": "s3cr3t",
    }
    atoms.update(extra)
    return atoms


def test_private_atoms_mask_every_secret_and_cut_addresses():
    clean = private_atoms(_atoms(), {})
    assert "s3cr3t" not in repr(clean)
    assert clean["r"] == f"GET /pengaduan/lacak/LBG-2026-000001/?token={LOG_MASK} HTTP/1.1"
    assert clean["h"] == "203.0.113.0"
    assert clean["{x-forwarded-for}i"] == "203.0.113.0"
    assert clean["U"] == "/pengaduan/lacak/LBG-2026-000001/"


def test_a_marked_request_or_the_none_setting_leaves_no_address():
    assert private_atoms(_atoms(), {HIDE_ADDRESS_KEY: True})["h"] == "-"
    assert private_atoms(_atoms(), {}, addresses="none")["h"] == "-"
    assert private_atoms(_atoms(), {HIDE_ADDRESS_KEY: True})["{x-forwarded-for}i"] == "-"


def test_gunicorn_conf_names_the_private_logger_for_every_run_mode():
    conf = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), conf)  # noqa: S102 - our own config file
    assert conf["logger_class"] == "mpp_portal.accesslog.PrivateAccessLogger"
    assert conf["accesslog"] == "-"
    procfile = (ROOT / "Procfile").read_text()
    assert "gunicorn mpp_portal.wsgi -c gunicorn.conf.py" in procfile
    assert '"--config=gunicorn.conf.py"' in (ROOT / "Dockerfile").read_text()
    assert "--config=gunicorn.conf.py" in (ROOT / "docker-compose.yml").read_text()
    # Nothing on a command line overrides the log settings of the file.
    for text in (procfile, (ROOT / "Dockerfile").read_text()):
        assert "--access-logformat" not in text and "--logger-class" not in text


def test_unknown_address_setting_fails_loudly(monkeypatch):
    from gunicorn.config import Config

    monkeypatch.setenv("ACCESS_LOG_ADDRESSES", "full")
    with pytest.raises(ValueError, match="ACCESS_LOG_ADDRESSES"):
        PrivateAccessLogger(Config())


# --------------------------------------------------------------------------
# A real gunicorn
# --------------------------------------------------------------------------
def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, process, port, log_path):
        self.process, self.port, self.log_path = process, port, log_path
        self.base = f"http://127.0.0.1:{port}"

    def log(self):
        return self.log_path.read_text(errors="replace")

    def access_lines(self):
        return [line for line in self.log().splitlines() if '" ' in line and "HTTP/1." in line]

    def line_of(self, method, path):
        wanted = f'"{method} {path}'
        lines = [line for line in self.access_lines() if wanted in line]
        assert lines, f"no access line for {method} {path}:\n{self.log()}"
        return lines[-1]


@contextlib.contextmanager
def gunicorn(tmp_path, extra_env=None):
    port = _free_port()
    log_path = tmp_path / "gunicorn.log"
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": worker_database_url(),
            "PYTHONUNBUFFERED": "1",
            "MEDIA_ROOT": str(tmp_path / "media"),
        }
    )
    env.update(extra_env or {})
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "mpp_portal.wsgi",
        "-c",
        "gunicorn.conf.py",
        f"--bind=127.0.0.1:{port}",
        "--workers=1",
    ]
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = Server(process, port, log_path)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited ({process.returncode}):\n{server.log()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not listen:\n{server.log()}")
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(15)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _opener(jar=None):
    return urllib.request.build_opener(
        NoRedirect, urllib.request.HTTPCookieProcessor(jar or http.cookiejar.CookieJar())
    )


def _request(opener, url, *, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def _wait_for_line(server, method, path, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(f'"{method} {path}' in line for line in server.access_lines()):
            return
        time.sleep(0.1)


@pytest.fixture
def filed(hall):
    complaint, token = workflow.complaint_file(
        hall=hall,
        kind=Complaint.Kind.COMPLAINT,
        title="Antrean KTP-el terlalu lama",
        description="Saya menunggu lebih dari tiga jam tanpa kepastian di loket KTP-el.",
        reporter_name="Siti Aminah",
        reporter_email="siti@example.test",
    )
    return complaint, token


@pytest.mark.django_db(transaction=True)
def test_real_gunicorn_logs_no_secret_in_any_form_of_request(tmp_path, filed):
    complaint, token = filed
    track = f"/pengaduan/lacak/{complaint.tracking_id}/"
    api = f"/api/v1/complaints/{complaint.tracking_id}/"
    booking = "/pesan/kelola/B-20261201-0001/"
    with gunicorn(tmp_path) as server:
        opener = _opener()
        # The reporter's web link: exchanged for a cookie, then a clean URL.
        status, _body = _request(opener, f"{server.base}{track}?token={token}")
        assert status == 302
        status, body = _request(opener, f"{server.base}{track}")
        assert status == 200 and complaint.tracking_id in body
        # The API: the header (documented), and the deprecated ?token=.
        status, _body = _request(
            _opener(), f"{server.base}{api}", headers={"X-Complaint-Token": token}
        )
        assert status == 200
        status, _body = _request(_opener(), f"{server.base}{api}?token={token}&format=json")
        assert status == 200
        # A booking link, Open311's api_key, and a token in the referrer.
        _request(_opener(), f"{server.base}{booking}?token={token}")
        _request(
            _opener(),
            f"{server.base}/open311/v2/requests/{complaint.tracking_id}.json?"
            + urlencode({"api_key": API_KEY, "jurisdiction_id": "x"}),
        )
        _request(
            _opener(),
            f"{server.base}/pengaduan/",
            headers={"Referer": f"https://mpp.example{track}?token={token}"},
        )
        _wait_for_line(server, "GET", "/pengaduan/ ")
        log = server.log()

    assert token not in log, log
    assert API_KEY not in log, log
    assert server.line_of("GET", f"{track}?token={LOG_MASK} ")
    assert server.line_of("GET", f"{api}?token={LOG_MASK}&format=json ")
    assert server.line_of("GET", f"{booking}?token={LOG_MASK} ")
    assert f"api_key={LOG_MASK}" in server.line_of("GET", "/open311/v2/requests/")
    referred = server.line_of("GET", "/pengaduan/ ")
    assert f'"https://mpp.example{track}?token={LOG_MASK}"' in referred
    # The address is the network's, never the client's own.
    assert re.search(r"\b127\.0\.0\.1\b", "\n".join(server.access_lines())) is None
    assert all(line.startswith("127.0.0.0 ") for line in server.access_lines())


def _csrf(body):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)


@pytest.mark.django_db(transaction=True)
def test_real_gunicorn_logs_no_address_for_an_anonymous_filing(tmp_path, hall):
    citizen = User.objects.create_user("warga.uji", "warga@example.test", role=User.Role.CITIZEN)
    # The server runs the production hashers, not the tests' fast MD5.
    citizen.password = PBKDF2PasswordHasher().encode("rahasia-uji-123", "garam-uji-1234")
    citizen.save(update_fields=["password"])
    with gunicorn(tmp_path) as server:
        jar = http.cookiejar.CookieJar()
        opener = _opener(jar)
        status, body = _request(opener, f"{server.base}/akun/masuk/")
        assert status == 200
        status, _body = _request(
            opener,
            f"{server.base}/akun/masuk/",
            data=urlencode(
                {
                    "csrfmiddlewaretoken": _csrf(body),
                    "username": "warga.uji",
                    "password": "rahasia-uji-123",
                }
            ).encode(),
        )
        assert status == 302, _body[:2000]
        status, body = _request(opener, f"{server.base}/pengaduan/baru/")
        assert status == 200
        status, _body = _request(
            opener,
            f"{server.base}/pengaduan/baru/",
            data=urlencode(
                {
                    "csrfmiddlewaretoken": _csrf(body),
                    "hall": hall.pk,
                    "kind": "pengaduan",
                    "title": "Pungutan liar di loket KTP-el",
                    "description": "Petugas loket meminta uang tambahan agar KTP-el cepat jadi.",
                    "location": "Loket 3 lantai 1",
                    "is_anonymous": "on",
                    "website": "",
                }
            ).encode(),
        )
        assert status == 302, _body[:3000]
        status, body = _request(opener, f"{server.base}/pengaduan/terkirim/")
        assert status == 200
        _wait_for_line(server, "GET", "/pengaduan/terkirim/")
        filing = server.line_of("POST", "/pengaduan/baru/")
        confirmation = server.line_of("GET", "/pengaduan/terkirim/")
        login = server.line_of("POST", "/akun/masuk/")

    complaint = Complaint.objects.get()
    assert complaint.is_anonymous and complaint.reporter_id is None
    assert filing.startswith("- "), filing
    assert confirmation.startswith("- "), confirmation
    assert "127.0.0" not in filing and "127.0.0" not in confirmation
    # Other requests keep the network only.
    assert login.startswith("127.0.0.0 "), login
    # The confirmation page showed the secret link; the log has none of it.
    token = re.search(r"\?token=([\w-]+)", body).group(1)
    assert token not in server.log()


@pytest.mark.django_db(transaction=True)
def test_no_address_setting_drops_every_address(tmp_path, hall):
    with gunicorn(tmp_path, {"ACCESS_LOG_ADDRESSES": "none"}) as server:
        _request(_opener(), f"{server.base}/pengaduan/")
        _wait_for_line(server, "GET", "/pengaduan/ ")
        line = server.line_of("GET", "/pengaduan/ ")
    assert line.startswith("- "), line


def test_error_log_request_lines_are_masked():
    from gunicorn.config import Config

    logger = PrivateAccessLogger(Config())
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    logger.error_log.addHandler(Collect())
    logger.error("Error handling request %s %s", "GET", "/pengaduan/lacak/L/?token=s3cr3t")
    logger.warning("Invalid request from ip=203.0.113.77: bad header")
    assert records == [
        f"Error handling request GET /pengaduan/lacak/L/?token={LOG_MASK}",
        "Invalid request from ip=203.0.113.0: bad header",
    ]


# --------------------------------------------------------------------------
# The API takes the reporter's token in a header
# --------------------------------------------------------------------------
@pytest.mark.django_db
def test_api_documents_the_token_header_and_deprecates_the_query(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/complaints/{tracking_id}/"]["get"]
    params = {(p["in"], p["name"]): p for p in operation["parameters"]}
    assert not params[("header", "X-Complaint-Token")].get("deprecated", False)
    assert params[("query", "token")]["deprecated"] is True


@pytest.mark.django_db
def test_api_header_token_wins_over_a_query_token(api_client, filed):
    complaint, token = filed
    url = f"/api/v1/complaints/{complaint.tracking_id}/"
    response = api_client.get(url, {"token": "salah"}, HTTP_X_COMPLAINT_TOKEN=token)
    assert response.status_code == 200
    # The old query parameter still works for older clients.
    assert api_client.get(url, {"token": token}).status_code == 200
