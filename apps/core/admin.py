from django.contrib import admin, messages
from django.utils.translation import gettext as _

from . import deadlines
from .models import AuditEvent, Deadline, WorkCalendarDay, WorkCalendarYear


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "actor", "organization", "object_type", "object_id"]
    list_filter = ["action"]
    search_fields = ["action", "object_type", "object_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _RecomputeOnSave:
    """A calendar correction recomputes every open clock in the same transaction (breaches stay recorded)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._recompute(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._recompute(request)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._recompute(request)

    def _recompute(self, request):
        count = deadlines.deadlines_recompute(actor=request.user)
        if count:
            messages.info(request, _("已按修正后的日历重新计算 %(count)d 个进行中的时限。") % {"count": count})


@admin.register(WorkCalendarYear)
class WorkCalendarYearAdmin(_RecomputeOnSave, admin.ModelAdmin):
    list_display = ["year", "source", "note", "updated_at"]


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(_RecomputeOnSave, admin.ModelAdmin):
    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ["rule", "content_type", "object_id", "responsible", "due_at", "status", "breached_at"]
    list_filter = ["rule", "status"]
    readonly_fields = [f.name for f in Deadline._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
