"""Django admin for the services models: hall admins run counters here."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from mpp_portal.admin_mixins import ReadOnlyAdminMixin
from services.models import (
    Counter,
    CounterService,
    Service,
    SurveyQuestion,
    Ticket,
    TicketCall,
    TicketTransfer,
)


class HallScopedAdmin(admin.ModelAdmin):
    """Limit a non-superuser to the objects of their own hall."""

    hall_path = "agency__hall_id"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{self.hall_path: request.user.hall_id})


class ReadOnlyAdmin(ReadOnlyAdminMixin, HallScopedAdmin):
    """Tickets and their history change only through services.queue."""


@admin.register(Service)
class ServiceAdmin(HallScopedAdmin):
    list_display = ["name", "code", "agency", "fee", "average_service_minutes", "is_active"]
    list_filter = ["is_active", "agency__hall", "agency"]
    search_fields = ["name", "code", "agency__name", "agency__short_name"]
    list_select_related = ["agency"]
    prepopulated_fields = {"slug": ["name"]}


class CounterServiceInline(admin.TabularInline):
    """Services of the counter's own agency only (CounterService.clean checks)."""

    model = CounterService
    extra = 1
    fields = ["service", "weight"]

    def get_formset(self, request, obj=None, **kwargs):
        # A new inline instance is made per request, so keeping the counter
        # here for formfield_for_foreignkey() is safe.
        self.counter = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "service":
            services = Service.objects.select_related("agency")
            counter = getattr(self, "counter", None)
            if counter is not None:
                services = services.filter(
                    agency_id=counter.agency_id, agency__hall_id=counter.hall_id
                )
            elif not request.user.is_superuser:
                # A new counter: its agency is not chosen yet; the hall's
                # services, and clean() refuses another agency's on save.
                services = services.filter(agency__hall_id=request.user.hall_id)
            kwargs["queryset"] = services.order_by("agency__name", "name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Counter)
class CounterAdmin(HallScopedAdmin):
    hall_path = "hall_id"
    list_display = ["number", "name", "hall", "agency", "is_open", "operator"]
    list_filter = ["hall", "agency", "is_open"]
    list_select_related = ["hall", "agency", "operator"]
    search_fields = ["name", "agency__name"]
    inlines = [CounterServiceInline]
    # Opening and closing goes through the console (counter_open/close).
    readonly_fields = ["is_open", "operator", "opened_at", "priority_streak"]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    hall_path = "service__agency__hall_id"
    list_display = ["ticket_code", "date", "service", "priority", "status", "counter", "issued_at"]
    list_filter = ["status", "priority", "date", "service__agency", "service"]
    list_select_related = ["service", "counter"]
    search_fields = ["code", "tracking_code"]
    date_hierarchy = "date"
    exclude = ["phone"]
    # Today's tickets first; the newest on top.
    ordering = ["-issued_at", "-pk"]

    @admin.display(description=_("kode"), ordering="code")
    def ticket_code(self, obj):
        # "A-012" never breaks at its dash (admin's own .nowrap class).
        return format_html('<span class="nowrap">{}</span>', obj.code)


@admin.register(TicketCall)
class TicketCallAdmin(ReadOnlyAdmin):
    hall_path = "hall_id"
    list_display = ["ticket", "counter", "called_at", "is_recall"]
    list_filter = ["is_recall", "counter"]
    list_select_related = ["ticket", "counter"]


@admin.register(TicketTransfer)
class TicketTransferAdmin(ReadOnlyAdmin):
    hall_path = "from_service__agency__hall_id"
    list_display = ["ticket", "from_service", "to_service", "by", "at"]
    list_select_related = ["ticket", "from_service", "to_service", "by"]


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(admin.ModelAdmin):
    """The wording of the nine SKM elements (Permenpan RB 14/2017, DOMAIN.md).

    The elements themselves are fixed: only their question and the four
    answers are edited. A missing element may be added back (the survey
    shows the standard wording meanwhile), but no tenth, and none deleted.
    """

    list_display = ["element", "question", "answer_1", "answer_2", "answer_3", "answer_4"]
    list_display_links = ["element", "question"]
    ordering = ["element"]
    fields = ["element", "question", "answer_1", "answer_2", "answer_3", "answer_4"]

    def get_readonly_fields(self, request, obj=None):
        return ["element"] if obj is not None else []

    def has_add_permission(self, request):
        return super().has_add_permission(request) and SurveyQuestion.objects.count() < 9

    def has_delete_permission(self, request, obj=None):
        return False
