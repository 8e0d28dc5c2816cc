"""API answers speak one language: Accept-Language's (or the language cookie's),
Indonesian without either, DRF's own messages included ("Invalid token.")."""

import gettext as gettext_module
from pathlib import Path

import pytest
import rest_framework
from django.urls import reverse

pytestmark = pytest.mark.django_db

DRF_LOCALE = Path(rest_framework.__file__).parent / "locale"
PROJECT_ID = Path(__file__).resolve().parents[2] / "locale" / "id" / "LC_MESSAGES" / "django.mo"


def _catalog(path):
    with path.open("rb") as handle:
        return gettext_module.GNUTranslations(handle)._catalog


def _bad_token(api_client, **headers):
    api_client.credentials(HTTP_AUTHORIZATION="Token tidak-ada-token-seperti-ini", **headers)
    return api_client.get(reverse("ticket-list"))


def test_drf_messages_are_indonesian_without_a_language(api_client):
    response = _bad_token(api_client)
    assert response.status_code == 401
    assert response.json()["detail"] == "Token tidak valid."
    assert response["Content-Language"] == "id"


def test_drf_messages_follow_accept_language(api_client):
    response = _bad_token(api_client, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."
    assert response["Content-Language"] == "en"


def test_drf_messages_follow_the_language_cookie(api_client):
    api_client.cookies["django_language"] = "en"
    assert _bad_token(api_client).json()["detail"] == "Invalid token."


def test_an_unknown_language_falls_back_to_indonesian(api_client):
    response = _bad_token(api_client, HTTP_ACCEPT_LANGUAGE="xx-YY, zz;q=0.5")
    assert response.json()["detail"] == "Token tidak valid."


def test_project_and_drf_messages_agree_in_one_answer(token_client, staff_a, hall):
    """A validation answer mixes our field messages and DRF's: one language each time."""
    client = token_client(staff_a)
    url = reverse("ticket-list") + "?page_size=abc"
    indonesian = client.get(url).json()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert indonesian != english
    method_id = client.delete(reverse("ticket-list")).json()["detail"]
    method_en = client.delete(reverse("ticket-list"), HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    assert method_id == 'Metode "DELETE" tidak diizinkan.'
    assert method_en == 'Method "DELETE" not allowed.'
    # A required field missing: Django's message, translated by Django's own catalogue.
    missing = client.post(reverse("counter-list"), {}, format="json").json()
    text = str(missing)
    assert "This field" not in text


def test_every_drf_message_has_indonesian():
    """DRF's Indonesian plus ours cover every message DRF has (German is complete)."""
    complete = _catalog(DRF_LOCALE / "de" / "LC_MESSAGES" / "django.mo")
    drf_id = _catalog(DRF_LOCALE / "id" / "LC_MESSAGES" / "django.mo")
    ours = _catalog(PROJECT_ID)

    def msgid(key):
        return key[0] if isinstance(key, tuple) else key

    have = {msgid(k) for k in drf_id} | {msgid(k) for k in ours}
    missing = sorted({msgid(k) for k in complete} - have - {""})
    assert missing == []


def test_web_pages_still_ignore_accept_language(client, hall):
    """The pages keep Indonesian first (the switch sets English); only the API reads it."""
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="id">' in html
