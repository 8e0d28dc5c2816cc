from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from mpp_portal.documents.models import CODE_ALPHABET, normalize_code


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Kode verifikasi"),
        max_length=40,
        help_text=_("Kode tercetak di bawah kode QR pada dokumen."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_code(self):
        code = normalize_code(self.cleaned_data["code"])
        if not code or any(ch not in CODE_ALPHABET for ch in code) or len(code) > 32:
            raise forms.ValidationError(_("Kode verifikasi tidak dikenali. Periksa kembali."))
        return code


class CompareForm(forms.Form):
    pdf = forms.FileField(
        label=_("Berkas PDF yang ingin diperiksa"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_pdf(self):
        upload = self.cleaned_data["pdf"]
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("Berkas terlalu besar (maksimal %(max)s).")
                % {"max": filesizeformat(settings.MAX_UPLOAD_BYTES)}
            )
        # Judge by content, not by the name or the browser's content type.
        upload.seek(0)
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            raise forms.ValidationError(_("Berkas ini bukan dokumen PDF."))
        return upload
