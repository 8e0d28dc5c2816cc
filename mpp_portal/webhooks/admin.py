from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from mpp_portal.webhooks.models import Event, Webhook, WebhookDelivery


class WebhookForm(forms.ModelForm):
    # Agency systems are reached over HTTPS; an address typed without a
    # scheme gets https://, not Django's old http:// default.
    url = forms.URLField(label=_("URL"), max_length=200, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("peristiwa"),
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Peristiwa yang dikirim ke alamat ini."),
    )

    class Meta:
        model = Webhook
        fields = ["agency", "url", "secret", "is_active", "events"]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["agency", "url", "is_active", "event_list"]
    list_filter = ["is_active", "agency__hall"]
    list_select_related = ["agency"]

    @admin.display(description=_("peristiwa"))
    def event_list(self, obj):
        return ", ".join(obj.events)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "event",
        "agency",
        "status",
        "attempts",
        "last_status_code",
        "last_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event", "agency__hall"]
    list_select_related = ["agency"]
    search_fields = ["delivery_id"]
    date_hierarchy = "created_at"
    fields = [
        "event",
        "delivery_id",
        "agency",
        "webhook",
        "payload",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "created_at",
        "last_attempt_at",
        "delivered_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        # Deliveries come from the services that report an event, never by hand.
        return False

    def has_change_permission(self, request, obj=None):
        return False
