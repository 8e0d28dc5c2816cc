"""The KBLI 2020 catalogue's CSV import (admin page and ``manage.py import_kbli``).

The file has a header row and the columns ``code,title,section,risk,verified``
(``risk`` and ``verified`` optional: rendah / no). Each bad line is reported
with its line number and reason and left out; the good lines are upserted
by code in one transaction, so a failure half-way writes nothing.
"""

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from services.sipabes.models import Kbli

SEED_CSV = Path(__file__).resolve().parent / "data" / "kbli_seed.csv"
COLUMNS = ("code", "title", "section", "risk", "verified")
TRUE = {"1", "ya", "yes", "true", "y", "v"}
FALSE = {"", "0", "tidak", "no", "false", "n"}
MAX_BYTES = 5 * 1024 * 1024


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list = field(default_factory=list)  # [(line number, reason)]

    @property
    def ok(self):
        return not self.errors


def _decode(data):
    if isinstance(data, str):
        return data
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(_("Berkas bukan teks CSV (UTF-8)."))


def _parse_row(row):
    """Return the Kbli field values of one CSV row, or raise ValueError(reason)."""
    code = (row.get("code") or "").strip()
    title = " ".join((row.get("title") or "").split())
    section = (row.get("section") or "").strip().upper()
    risk = (row.get("risk") or "").strip().lower().replace(" ", "_") or Kbli.Risk.RENDAH
    verified = (row.get("verified") or "").strip().lower()
    if not (len(code) == 5 and code.isascii() and code.isdigit()):
        raise ValueError(_("kode KBLI harus 5 angka, tertulis “%(code)s”") % {"code": code})
    if not title:
        raise ValueError(_("judul kosong"))
    if len(title) > 300:
        raise ValueError(_("judul lebih dari 300 karakter"))
    if not (len(section) == 1 and "A" <= section <= "U"):
        raise ValueError(
            _("kategori harus satu huruf A sampai U, tertulis “%(s)s”") % {"s": section}
        )
    if risk not in Kbli.Risk.values:
        raise ValueError(
            _(
                "tingkat risiko “%(risk)s” tidak dikenal (rendah, menengah_rendah, "
                "menengah_tinggi, tinggi)"
            )
            % {"risk": risk}
        )
    if verified in TRUE:
        is_verified = True
    elif verified in FALSE:
        is_verified = False
    else:
        raise ValueError(_("kolom verified harus ya/tidak, tertulis “%(v)s”") % {"v": verified})
    return code, {"title": title, "section": section, "risk": risk, "is_verified": is_verified}


def kbli_import(data):
    """Import the CSV ``data`` (bytes or str); return an ImportResult."""
    result = ImportResult()
    try:
        text = _decode(data)
    except ValueError as exc:
        result.errors.append((0, str(exc)))
        return result
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not {"code", "title", "section"} <= set(header):
        result.errors.append(
            (1, _("baris judul harus memuat kolom code,title,section[,risk,verified]"))
        )
        return result
    reader.fieldnames = header
    rows = {}
    for row in reader:
        line = reader.line_num
        if not any((v or "").strip() for k, v in row.items() if k):
            continue
        if None in row:
            result.errors.append((line, _("kolom lebih banyak dari baris judul")))
            continue
        try:
            code, values = _parse_row(row)
        except ValueError as exc:
            result.errors.append((line, str(exc)))
            continue
        if code in rows:
            result.errors.append(
                (
                    line,
                    _("kode %(code)s sudah ada di baris %(line)s")
                    % {"code": code, "line": rows[code][0]},
                )
            )
            continue
        rows[code] = (line, values)
    with transaction.atomic():
        existing = set(Kbli.objects.filter(pk__in=rows).values_list("pk", flat=True))
        for code, (_line, values) in rows.items():
            Kbli.objects.update_or_create(code=code, defaults=values)
        result.created = len(rows) - len(existing)
        result.updated = len(existing)
    return result


def kbli_import_seed():
    """Load the shipped seed list (market KBLI; ``verified`` says which to offer).

    Checked against KBLI 2020 (Peraturan BPS No. 2 Tahun 2020) as published
    on OSS RBA pages (December 2026 review):

    - corrected: 47191 (title: "Bukan Makanan, Minuman atau Tembakau"),
      56102 ("Rumah/Warung Makan"), pangkas rambut is 96111 (96021 is not
      KBLI 2020), reparasi barang rumah tangga dan pribadi lainnya is 95299
      (not 95290). The wrong codes stay in the file marked ``tidak`` so a
      re-import stops offering them where an older seed loaded them.
    - marked ``tidak`` (not offered): 47821-47823, 47892, 47893. In KBLI 2020
      subgolongan 4782 is food, drink and tobacco from manufacturing (47825
      daging olahan dan ikan olahan), 4784 chemicals, pharmacy and cosmetics
      (47845 pupuk), 4786 household goods (47867 alat kebersihan); the
      titles here do not belong to those codes and the right codes for
      textiles, clothing and footwear at kaki lima/los pasar were not
      confirmed from a published source.
    - confirmed: 47191, 56101, 56102, 56103, 56104, 14111, 14120, 95299,
      96111. Not yet checked against a published list (kept as typed; an
      admin should confirm them with the OSS RBA list and re-import): the
      other 471xx/472xx shop codes, 47811-47815, 47891, 47899, 56301-56304,
      95120, 95210, 95230, 45407, 10710, 10792, 47711, 47722.
    """
    return kbli_import(SEED_CSV.read_bytes())


class KbliImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Berkas CSV KBLI 2020"),
        help_text=gettext_lazy("Kolom: code,title,section,risk,verified. Paling besar 5 MB."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(gettext_lazy("Berkas lebih dari 5 MB."))
        return upload


def admin_import_view(model_admin):
    """Return the admin view that uploads a KBLI CSV."""

    def view(request):
        if not model_admin.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = KbliImportForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            result = kbli_import(form.cleaned_data["file"].read())
            if result.ok:
                messages.success(
                    request,
                    _("KBLI diimpor: %(c)s baru, %(u)s diperbarui.")
                    % {"c": result.created, "u": result.updated},
                )
                return redirect("admin:sipabes_kbli_changelist")
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "form": form,
            "result": result,
            "title": _("Impor KBLI dari CSV"),
        }
        return render(request, "admin/sipabes/kbli/import.html", context)

    return view
