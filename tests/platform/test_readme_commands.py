"""Every README command that runs against the demo works as written.

The README's API example once used a token that the endpoint refuses
(403); a newcomer's first call failed. This test reads the README's shell
blocks, runs each ``manage.py`` command in it against the seeded demo, and
replays each ``curl`` call through the test client with the token the
README says to use.
"""

import io
import re
import shlex
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _shell_lines():
    text = (ROOT / "README.md").read_text()
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line:
                yield line


def test_the_readme_has_api_examples():
    lines = list(_shell_lines())
    assert any(line.startswith("curl ") for line in lines)
    assert any("manage.py issue_token" in line for line in lines)


def test_every_readme_api_command_works_against_the_demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--force", stdout=io.StringIO(), stderr=io.StringIO())
    tokens = {}
    ran = 0
    for line in _shell_lines():
        words = shlex.split(line)
        if "manage.py" in line and "issue_token" in words:
            args = words[words.index("manage.py") + 1 :]
            out = io.StringIO()
            call_command(*args, stdout=out, stderr=io.StringIO())
            tokens[args[1]] = out.getvalue().strip()
            ran += 1
        elif words[0] == "curl":
            headers, url = {}, None
            for i, word in enumerate(words[1:], start=1):
                if words[i - 1] == "-H":
                    name, value = word.split(":", 1)
                    headers[name.strip()] = value.strip()
                elif word.startswith("http://localhost:8000/"):
                    url = word.removeprefix("http://localhost:8000")
            assert url, line
            auth = headers.get("Authorization", "")
            if "<token>" in auth:
                # The README's token placeholder is the last token it issued.
                assert tokens, f"{line}: no token issued before it"
                auth = auth.replace("<token>", list(tokens.values())[-1])
            response = Client().get(url, HTTP_AUTHORIZATION=auth)
            assert response.status_code == 200, (
                f"{line}: {response.status_code} {response.content[:200]}"
            )
            assert response["Content-Type"].startswith("application/json"), line
            ran += 1
    assert ran >= 3
