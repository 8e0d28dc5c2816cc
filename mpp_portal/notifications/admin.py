from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mpp_portal.masking import mask_url_secrets
from mpp_portal.notifications.models import OutboxMessage
from mpp_portal.notifications.services import outbox_retry


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    # The recipient is personal data: lists show it masked, and it is not
    # searchable so the list cannot be used to probe for a number.
    list_display = [
        "created_at",
        "channel",
        "masked_recipient",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "hall",
    ]
    list_filter = ["status", "channel", "hall"]
    list_select_related = ["hall"]
    search_fields = ["subject", "dedupe_key"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    fields = [
        "channel",
        "masked_recipient",
        "subject",
        "masked_body",
        "status",
        "attempts",
        "last_error",
        "dedupe_key",
        "hall",
        "content_type",
        "object_id",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("penerima"))
    def masked_recipient(self, obj):
        return obj.masked_recipient

    @admin.display(description=_("isi"))
    def masked_body(self, obj):
        # A queued or failed message still holds its live link: whoever may
        # read the outbox must not be able to act as its recipient.
        return mask_url_secrets(obj.body)

    def has_add_permission(self, request):
        # Messages come from the services that report a change, never by hand.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Kirim ulang pesan yang gagal"), permissions=["retry"])
    def retry(self, request, queryset):
        count = outbox_retry(messages=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d pesan dimasukkan kembali ke antrean.",
                "%(count)d pesan dimasukkan kembali ke antrean.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )

    def has_retry_permission(self, request):
        return request.user.has_perm("notifications.view_outboxmessage") and (
            request.user.is_superuser or request.user.has_perm("notifications.change_outboxmessage")
        )
