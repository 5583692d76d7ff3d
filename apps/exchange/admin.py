"""Read-only admin pages: batches, events and keys are changed only by the services (append-only trail)."""

from django.contrib import admin

from .models import Batch, BatchEvent, ExchangeProfile, InboxEntry, LogEntry, OrganizationKey, TreeHead


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrganizationKey)
class OrganizationKeyAdmin(_ReadOnly):
    list_display = ["key_id", "organization", "purpose", "algorithm", "valid_from", "retired_at"]
    list_filter = ["purpose", "algorithm"]
    search_fields = ["key_id", "organization__name", "organization__uscc"]
    exclude = ["private_key_sealed"]


@admin.register(Batch)
class BatchAdmin(_ReadOnly):
    list_display = ["id", "kind", "sender", "recipient", "state", "attempts", "created_at", "receipt_at"]
    list_filter = ["state", "kind"]
    search_fields = ["id"]
    exclude = ["ciphertext", "signature", "receipt_signature"]


@admin.register(BatchEvent)
class BatchEventAdmin(_ReadOnly):
    list_display = ["batch", "at", "kind", "organization", "attempt"]
    list_filter = ["kind"]


@admin.register(InboxEntry)
class InboxEntryAdmin(_ReadOnly):
    list_display = ["claimed_batch_id", "recipient", "received_at", "ingested_at"]


@admin.register(ExchangeProfile)
class ExchangeProfileAdmin(admin.ModelAdmin):
    """A party's algorithm suite; saved through the service (right check and audit)."""

    list_display = ["organization", "suite", "updated_at"]
    list_filter = ["suite"]
    search_fields = ["organization__name", "organization__uscc"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        from .suites import exchange_profile_set

        saved = exchange_profile_set(organization=obj.organization, suite=obj.suite, actor=request.user)
        obj.pk = saved.pk


@admin.register(LogEntry)
class LogEntryAdmin(_ReadOnly):
    list_display = ["index", "kind", "ref", "leaf_hash", "appended_at"]
    list_filter = ["kind"]
    search_fields = ["ref"]


@admin.register(TreeHead)
class TreeHeadAdmin(_ReadOnly):
    list_display = ["tree_size", "root_hash", "trigger", "signed_at"]
    exclude = ["signature"]
