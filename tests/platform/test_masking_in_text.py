"""Contacts written into free text are masked; numbers that are not contacts stay."""

import pytest

from mpp_portal.masking import mask_contacts_in_text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("hubungi 0812-3456-7890 ya", "hubungi 0812******90 ya"),
        ("WA +62 813 1111 2222.", "WA 0813******22."),
        ("nomor 6281234567890", "nomor 0812******90"),
        ("(0812) 3456 7890", "(0812******90"),
        ("surel siti.aminah+mpp@mail.example.id", "surel s***@mail.example.id"),
        ("NIK 1707014506900001", "NIK 1707********0001"),
        ("NIK 17.07.01.450690.0001 saya", "NIK 1707********0001 saya"),
    ],
)
def test_contacts_are_masked(text, masked):
    assert mask_contacts_in_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Tahun 2026 antrean 120 orang, biaya Rp50.000, tiket A-003",
        "telepon kantor 0732 21000",  # a landline is the office's, not a person's mobile
        "kode 081234567890123456 terlalu panjang untuk nomor HP",
        "nomor 0000000000000000 bukan NIK",
        "",
    ],
)
def test_other_numbers_stay(text):
    assert mask_contacts_in_text(text) == text


def test_none_stays_none():
    assert mask_contacts_in_text(None) is None
