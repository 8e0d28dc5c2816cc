from django import forms
from django.contrib import admin, messages
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from mpp_portal.documents import services
from mpp_portal.documents.models import IssuedDocument
from mpp_portal.exceptions import DomainError


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Alasan pencabutan"), widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(admin.ModelAdmin):
    """The registry is written only by ``document_issue``: read it, revoke from it."""

    list_display = ["number", "kind", "title", "hall", "issued_at", "signed", "is_revoked"]
    list_filter = ["kind", "hall", "signed", "is_revoked"]
    search_fields = ["number", "title", "verification_code", "sha256"]
    date_hierarchy = "issued_at"
    list_select_related = ["hall"]
    actions = ["revoke"]
    fields = [
        "kind",
        "number",
        "title",
        "hall",
        "verification_code",
        "verification_link",
        "file",
        "sha256",
        "size",
        "issued_at",
        "issued_by",
        "related_type",
        "related_id",
        "signed",
        "is_revoked",
        "revoked_reason",
        "revoked_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A registry entry is evidence; revoke it instead.
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    @admin.display(description=_("halaman verifikasi"))
    def verification_link(self, obj):
        return format_html(
            '<a href="{0}" target="_blank" rel="noopener">{0}</a>', obj.get_absolute_url()
        )

    @admin.action(description=_("Cabut dokumen terpilih"), permissions=["change"])
    def revoke(self, request, queryset):
        form = RevokeForm(request.POST if "reason" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": _("Cabut dokumen"),
                "documents": queryset,
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return render(request, "documents/admin_revoke.html", context)
        done = 0
        for document in queryset:
            try:
                services.document_revoke(
                    document=document,
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    request=request,
                )
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{document.number}: {exc.message}", messages.WARNING)
        if done:
            self.message_user(request, _("%(n)d dokumen dicabut.") % {"n": done}, messages.SUCCESS)
        return None
