"""The hall admin's CSV export keeps the privacy rules of every list."""

import csv
import io


def _rows(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_export_hides_anonymous_and_masks_contact(
    client, hall_admin, file_complaint, django_assert_max_num_queries
):
    named = file_complaint()
    anonymous = file_complaint(
        is_anonymous=True, reporter_name="Qaswar Hendrawarsa", reporter_email="qaswar@contoh.test"
    )
    confidential = file_complaint(
        is_confidential=True, reporter_phone="081377778888", reporter_email=""
    )
    client.force_login(hall_admin)
    with django_assert_max_num_queries(12):
        response = client.get("/pengaduan/kelola/csv/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = {row[0]: row for row in _rows(response)[1:]}
    assert set(rows) == {named.tracking_id, anonymous.tracking_id, confidential.tracking_id}
    body = response.content.decode()
    assert "Qaswar" not in body and "qaswar@" not in body
    assert rows[anonymous.tracking_id][10] == "Anonim" and rows[anonymous.tracking_id][11] == ""
    assert rows[named.tracking_id][10] == "Siti Aminah"
    assert "siti@example.test" not in body and "81234567890" not in body
    assert "81377778888" not in body
    assert rows[confidential.tracking_id][12] == "ya"
    assert rows[named.tracking_id][9] == "sisa 3 hari kerja"


def test_export_follows_the_filters(client, hall_admin, file_complaint):
    file_complaint(kind="aspirasi", title="Kursi ruang tunggu")
    file_complaint()
    client.force_login(hall_admin)
    rows = _rows(client.get("/pengaduan/kelola/csv/", {"kind": "aspirasi"}))
    assert [row[2] for row in rows[1:]] == ["Kursi ruang tunggu"]


def test_only_the_hall_admin_exports(client, agency_admin_a, staff_a, citizen, file_complaint):
    file_complaint()
    for user in (agency_admin_a, staff_a, citizen):
        client.force_login(user)
        assert client.get("/pengaduan/kelola/csv/").status_code == 403
    client.logout()
    assert client.get("/pengaduan/kelola/csv/").status_code == 302


def test_cells_a_spreadsheet_would_run_are_made_text(client, hall_admin, file_complaint):
    """A cell starting with = + - @ tab or CR gets a leading quote."""
    formulas = {
        '=HYPERLINK("http://x","y")': "Siti Aminah",
        "+62 812 1": "@SUM(A1:A9)",
        "-2+3 loket": "\tTab",
        "@cmd": "\r=1+1",
    }
    for title, name in formulas.items():
        file_complaint(title=title, reporter_name=name)
    client.force_login(hall_admin)
    rows = _rows(client.get("/pengaduan/kelola/csv/"))[1:]
    cells = {row[2]: row[10] for row in rows}
    assert cells == {
        '\'=HYPERLINK("http://x","y")': "Siti Aminah",
        "'+62 812 1": "'@SUM(A1:A9)",
        "'-2+3 loket": "'\tTab",
        "'@cmd": "'\r=1+1",
    }
    # Plain cells are untouched.
    assert all(row[0].startswith("LBG-") for row in rows)
