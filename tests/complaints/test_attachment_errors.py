"""Attachments on a complaint form that comes back with errors (issue 13, item 6).

A browser never refills a file input, so the page must say that the files
are to be chosen again; and a bad file is reported in the same pass as the
other fields, not only once they are valid.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from complaints.forms import ComplaintForm
from complaints.models import Attachment, Complaint
from mpp_portal.documents.uploads import CleanedFile

pytestmark = pytest.mark.django_db

# What a Windows program starts with; the name says it is a photo.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def form_data(**overrides):
    data = {
        "kind": "pengaduan",
        "title": "Antrean KTP-el terlalu lama",
        "description": "Saya menunggu lebih dari tiga jam tanpa kepastian di loket KTP-el.",
        "reporter_name": "Siti Aminah",
        "reporter_phone": "081234567890",
        "website": "",
    }
    data.update(overrides)
    return data


def photo(name="antrean.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), "image/jpeg")


def renamed_exe(name="foto_loket.jpg"):
    return SimpleUploadedFile(name, EXE, "image/jpeg")


@pytest.fixture
def url(hall):
    return reverse("complaints:new")


def test_a_good_photo_with_a_missing_title_must_be_chosen_again(client, url):
    response = client.post(url, {**form_data(title=""), "attachments": [photo()]})
    assert response.status_code == 400
    html = response.content.decode()
    form = response.context["form"]
    assert "title" in form.errors and "attachments" not in form.errors
    assert form.files_to_choose_again() == ["antrean.jpg"]
    # Next to the file input, and in the summary at the top.
    assert 'id="lampiran-pilih-lagi"' in html
    assert "pilih lagi berkas antrean.jpg" in html
    assert 'aria-describedby="id_attachments_helptext lampiran-pilih-lagi"' in html
    assert html.index('id="id_attachments"') < html.index('id="lampiran-pilih-lagi"')
    assert "berkas yang sudah dipilih tidak ikut tersimpan" in html
    assert Complaint.objects.count() == 0


def test_no_note_without_files_or_without_errors(client, url):
    response = client.post(url, form_data(title=""))
    assert response.status_code == 400
    assert 'id="lampiran-pilih-lagi"' not in response.content.decode()
    response = client.post(url, {**form_data(), "attachments": [photo()]})
    assert response.status_code == 302
    assert Complaint.objects.get().attachments.count() == 1


def test_a_renamed_exe_is_reported_with_the_other_errors(client, url):
    response = client.post(
        url,
        {**form_data(title="", reporter_phone="08abc"), "attachments": [renamed_exe()]},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert {"title", "reporter_phone", "attachments"} <= set(form.errors)
    assert "foto_loket.jpg bukan gambar" in " ".join(form.errors["attachments"])
    html = response.content.decode()
    assert "foto_loket.jpg bukan gambar" in html
    # The refused file is not one to choose again; the good one is.
    assert form.files_to_choose_again() == []
    assert 'id="lampiran-pilih-lagi"' not in html
    assert Attachment.objects.count() == 0


def test_only_the_good_files_are_to_be_chosen_again(client, url):
    response = client.post(
        url, {**form_data(title=""), "attachments": [photo("loket.jpg"), renamed_exe()]}
    )
    form = response.context["form"]
    assert form.files_to_choose_again() == ["loket.jpg"]
    assert "pilih lagi berkas loket.jpg" in response.content.decode()


def test_the_form_hands_cleaned_files_to_the_service(hall):
    form = ComplaintForm(form_data(), {"attachments": [photo()]}, halls=[hall])
    assert form.is_valid(), form.errors
    [cleaned] = form.cleaned_data["attachments"]
    # Cleaned once, by the form: the stored copy is that file, not a second
    # re-encoding of it.
    assert isinstance(cleaned, CleanedFile) and cleaned.name == "lampiran.jpg"


def test_the_stored_file_is_cleaned_once(client, url, hall):
    response = client.post(url, {**form_data(), "attachments": [photo()]})
    assert response.status_code == 302
    attachment = Complaint.objects.get().attachments.get()
    with attachment.file.open("rb") as handle:
        stored = handle.read()
    # One cleaning of the same photo; a second one (the service cleaning the
    # form's copy again) would re-encode the JPEG into other bytes.
    once = ComplaintForm(form_data(), {"attachments": [photo()]}, halls=[hall])
    assert once.is_valid()
    assert stored == once.cleaned_data["attachments"][0].read()
    assert attachment.sha256 == once.cleaned_data["attachments"][0].sha256
