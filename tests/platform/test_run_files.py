"""The run files agree with the code: docker-compose.yml, Procfile, .env.example,
Makefile, Dockerfile, .ci/run and bin/load-env. No database needed."""

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PORTAL_SERVICES = ("web", "worker", "beat")


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _command(service):
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def _env_example_names():
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        # Commented lines document a default; they count as listed.
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=", line)
        if match:
            names.add(match.group(1))
    return names


def _settings_env_names():
    """Every variable name settings.py reads through mpp_portal.env helpers."""
    tree = ast.parse((ROOT / "mpp_portal" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id.startswith("env_")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(node.args[0].value)
    return names


def test_compose_has_every_service():
    services = _compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert "healthcheck" in services["postgres"]
    assert "healthcheck" in services["redis"]


def test_compose_commands_name_real_things():
    services = _compose()["services"]
    assert "gunicorn mpp_portal.wsgi" in _command(services["web"])
    assert "celery -A mpp_portal worker" in _command(services["worker"])
    beat = _command(services["beat"])
    assert "celery -A mpp_portal beat" in beat
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat
    assert "manage.py migrate" in _command(services["migrate"])
    assert importlib.util.find_spec("mpp_portal.wsgi") is not None
    assert importlib.util.find_spec("django_celery_beat.schedulers") is not None


def test_compose_portal_services_share_the_configuration():
    compose = _compose()
    services = compose["services"]
    for name in (*PORTAL_SERVICES, "migrate"):
        service = services[name]
        assert service["env_file"] in (".env", [".env"]), name
        assert service.get("build") == ".", name
        assert "media:/app/media" in service["volumes"], name
        assert "postgres://" in service["environment"]["DATABASE_URL"], name
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:"), name
        # They wait for the databases and for the migrations.
        depends = service["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        if name != "migrate":
            assert depends["redis"]["condition"] == "service_healthy", name
            assert depends["migrate"]["condition"] == "service_completed_successfully", name
    assert {"media", "pgdata"} <= set(compose["volumes"])
    assert "8000:8000" in services["web"]["ports"]


def test_compose_variables_are_in_env_example():
    text = (ROOT / "docker-compose.yml").read_text()
    # ${VAR}, ${VAR:-default}, ${VAR:?message}; $${VAR} is a literal for the container.
    used = set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    environment_keys = set()
    for name in PORTAL_SERVICES:
        environment_keys |= set(_compose()["services"][name].get("environment", {}))
    missing = (used | environment_keys) - _env_example_names()
    assert not missing, f"not in .env.example: {sorted(missing)}"


def test_every_setting_variable_is_in_env_example():
    names = _settings_env_names()
    # The parser must actually find them (guards against a silent no-op).
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DEBUG"} <= names
    missing = names - _env_example_names()
    assert not missing, f"settings.py reads these, .env.example lacks them: {sorted(missing)}"


def _gunicorn_env_names():
    """Variables gunicorn's config and logger read (before Django's settings)."""
    text = (ROOT / "mpp_portal" / "accesslog.py").read_text()
    text += (ROOT / "gunicorn.conf.py").read_text()
    return set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', text))


def test_gunicorn_workers_come_from_web_concurrency(monkeypatch):
    import runpy

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 2
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 5
    # Nothing on a command line overrides it.
    for text in ((ROOT / "Procfile").read_text(), (ROOT / "Dockerfile").read_text()):
        assert "--workers" not in text
    assert "--workers" not in _command(_compose()["services"]["web"])


def test_env_example_lists_nothing_settings_do_not_read():
    compose_only = {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"}
    extra = _env_example_names() - _settings_env_names() - _gunicorn_env_names() - compose_only
    assert not extra, f".env.example lists unknown variables: {sorted(extra)}"


def test_procfile_runs_web_worker_and_beat():
    processes = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = command.strip().removeprefix("exec ")
    assert set(processes) == {"web", "worker", "beat"}
    assert processes["web"].startswith("gunicorn mpp_portal.wsgi")
    assert "0.0.0.0:8000" in processes["web"]
    assert processes["worker"].startswith("celery -A mpp_portal worker")
    assert processes["beat"].startswith("celery -A mpp_portal beat")
    assert "DatabaseScheduler" in processes["beat"]


def test_makefile_has_the_documented_targets():
    text = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", text, flags=re.MULTILINE))
    assert {"venv", "run", "test", "lint", "format", "migrate", "bench", "clean", "stop"} <= targets
    assert "messages" in targets
    if shutil.which("make"):
        result = subprocess.run(
            ["make", "-s", "-n", "run", "test"], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr


def test_dockerfile_builds_a_non_root_gunicorn_image():
    text = (ROOT / "Dockerfile").read_text()
    assert text.startswith("#") or text.startswith("FROM")
    assert "FROM python:3.11-slim" in text
    assert "libpango-1.0-0" in text and "libpangoft2-1.0-0" in text
    assert "pip install -r requirements.txt" in text
    assert "collectstatic" in text
    user = re.findall(r"^USER\s+(\S+)", text, flags=re.MULTILINE)
    assert user and user[-1] not in {"root", "0"}
    assert re.search(r'^CMD \["gunicorn", "mpp_portal.wsgi"', text, flags=re.MULTILINE)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".env", "var"} <= set(ignored)


def test_ci_script_is_strict_and_runs_make_test():
    path = ROOT / ".ci" / "run"
    text = path.read_text()
    assert os.access(path, os.X_OK)
    assert text.startswith("#!/usr/bin/env bash") or text.startswith("#!/bin/bash")
    assert "set -euo pipefail" in text
    assert "make test" in text
    assert subprocess.run(["bash", "-n", str(path)]).returncode == 0


def test_ci_also_runs_the_suite_as_the_readme_default():
    """CI runs the suite a second time with no DATABASE_URL or REDIS_URL.

    That is what a newcomer following the README gets: the embedded
    PostgreSQL and the filesystem broker, real-worker tests included.
    """
    text = (ROOT / ".ci" / "run").read_text()
    assert "env -u DATABASE_URL -u REDIS_URL" in text
    assert text.count("run_suite") >= 3  # defined, run with the servers, run embedded


def test_load_env_keeps_the_environment_first(tmp_path):
    env_file = tmp_path / "env"
    env_file.write_text(
        "# comment\n\nA=1\nexport B=\"two words\"\nC='quoted'\nD=from-file\nE=x=y\n"
    )
    script = f'source "{ROOT}/bin/load-env" "{env_file}"; echo "$A|$B|$C|$D|$E"'
    result = subprocess.run(
        ["bash", "-c", script],
        env={"PATH": os.environ["PATH"], "D": "from-shell"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "1|two words|quoted|from-shell|x=y"


def _compose_spec_check(path):
    # The schema ships inside check-jsonschema: no network, no docker.
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(path),
        ],
        capture_output=True,
        text=True,
    )


def test_compose_file_follows_the_compose_specification(tmp_path):
    result = _compose_spec_check(ROOT / "docker-compose.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout

    # The check does catch what reading the words would not: a misspelt
    # key and a value of the wrong type.
    compose = _compose()
    compose["services"]["web"]["restart_policy"] = "always"
    compose["services"]["worker"]["depends_on"] = "postgres"
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(yaml.safe_dump(compose))
    result = _compose_spec_check(broken)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "restart_policy" in result.stdout
    assert "depends_on" in result.stdout


def test_compose_config_is_valid(tmp_path):
    """docker compose itself also reads the file, where the plugin exists."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker CLI not installed")
    if subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("docker compose plugin not installed")
    for name in ("docker-compose.yml", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = subprocess.run(
        [docker, "compose", "config", "--quiet"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_sample_nginx_config_has_the_portals_limits(settings):
    """deploy/nginx.conf refuses at the edge what the portal refuses itself."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    limit_mb = settings.MAX_REQUEST_BYTES // (1024 * 1024)
    assert re.search(rf"^\s*client_max_body_size {limit_mb}m;", text, flags=re.MULTILINE)
    assert re.search(r"^\s*server_tokens off;", text, flags=re.MULTILINE)
    # Tokens of secret links never reach the access log: $uri has no query string.
    log_format = re.search(r"log_format mpp (.*?);", text, flags=re.DOTALL).group(1)
    assert "$request_uri" not in log_format and "$args" not in log_format
    # Networks, not addresses, as gunicorn.conf.py logs them.
    assert "$remote_addr" not in log_format and "$remote_network" in log_format
