"""The test run's own hygiene: parallel workers must not share cache keys."""

import os

from django.core.cache import caches


def test_each_test_process_has_its_own_cache_keys():
    run = f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
    backend = caches["default"]
    own = backend.key_prefix if backend.key_prefix else backend._dir
    assert run in own


def test_clearing_between_tests_keeps_other_keys(settings):
    """The autouse cleaner deletes this process's keys only (no FLUSHDB)."""
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return  # the file cache lives in a folder of this process
    client = backend._cache.get_client(write=True)
    client.set("someone-else:1:key", "stay", ex=60)
    from tests.conftest import _clear_cache

    generator = _clear_cache.__wrapped__()
    next(generator)
    assert client.get("someone-else:1:key") == b"stay"
    client.delete("someone-else:1:key")


def test_a_developers_env_file_does_not_change_the_test_settings(tmp_path):
    """`cp .env.example .env` then `make test`: the suite still starts and sees its values."""
    import shutil
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    shutil.copy(root / ".env.example", tmp_path / ".env")
    script = (
        "source bin/load-env " + str(tmp_path / ".env") + " && "
        ".venv/bin/python -c 'import tests.testenv, django; django.setup(); "
        "from django.conf import settings; print(settings.DEBUG, settings.SITE_URL)'"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "SITE_URL"}}
    result = subprocess.run(
        ["bash", "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "http://testserver"]


def test_the_worker_finds_the_embedded_database_through_its_socket():
    """The embedded URL keeps its socket in OPTIONS["host"]; the worker must use it."""
    import dj_database_url

    from tests.worker import worker_database_url

    db = dj_database_url.parse("postgresql://postgres@/mpp?host=/srv/app/var/pgdata")
    db["NAME"] = "test_mpp"
    url = worker_database_url(db)
    assert url == "postgresql://postgres@/test_mpp?host=/srv/app/var/pgdata"
    # And the URL the worker gets parses back to the same server.
    again = dj_database_url.parse(url)
    assert (again["NAME"], again["OPTIONS"]["host"]) == ("test_mpp", "/srv/app/var/pgdata")


def test_the_worker_finds_a_tcp_database():
    import dj_database_url

    from tests.worker import worker_database_url

    db = dj_database_url.parse("postgres://postgres@127.0.0.1:5432/mpp_ci")
    db["NAME"] = "test_mpp_ci"
    assert worker_database_url(db) == "postgresql://postgres@127.0.0.1:5432/test_mpp_ci"
