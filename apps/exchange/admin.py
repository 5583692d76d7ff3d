"""Admin pages: batches, events and the log are read-only (append-only trail); keys are registered (with the
party's proof of possession) and revoked only through the services (apps/exchange/ownkeys.py)."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError

from . import crypto, ownkeys
from .models import (
    Batch,
    BatchEvent,
    ExchangeProfile,
    InboxEntry,
    KeyChallenge,
    LogEntry,
    OrganizationKey,
    TreeHead,
    TreeHeadToken,
)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class KeyRegisterForm(forms.ModelForm):
    """Register a party's own public signing key on its behalf — only with the party's proof of possession (its
    signature over a challenge issued to it), exactly as through the API; the private key never reaches here."""

    algorithm = forms.ChoiceField(label=_("算法"), choices=[(crypto.ED25519, "Ed25519"), (crypto.SM2, "SM2")])
    public_key = forms.CharField(label=_("公钥（Base64）"), max_length=200)
    challenge = forms.CharField(label=_("挑战值"), max_length=64, help_text=_("先在“密钥登记挑战”中为该单位签发"))
    signature = forms.CharField(label=_("持有证明签名（Base64）"), max_length=200,
                                help_text=_("该单位系统以对应私钥对挑战消息的签名（见 docs/exchange.md）"))

    class Meta:
        model = OrganizationKey
        fields = ["organization"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            with transaction.atomic():
                self.registered = ownkeys.party_key_register(
                    organization=data["organization"], actor=self.request_user, algorithm=data["algorithm"],
                    public_key=data["public_key"], challenge=data["challenge"], signature=data["signature"])
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc
        return data


class KeyRevokeForm(forms.ModelForm):
    class Meta:
        model = OrganizationKey
        fields = ["revocation_reason"]

    def clean_revocation_reason(self):
        reason = (self.cleaned_data.get("revocation_reason") or "").strip()
        if not reason:
            raise forms.ValidationError(_("吊销密钥必须说明原因。"))
        return reason


@admin.register(OrganizationKey)
class OrganizationKeyAdmin(admin.ModelAdmin):
    """The key registry: custodial keys (the platform holds the private half) and the parties' own keys. Adding
    registers a party's own key with its proof of possession; changing a key only revokes it (with a reason);
    nothing is ever deleted (the database refuses it)."""

    list_display = ["key_id", "organization", "purpose", "algorithm", "custody", "valid_from", "retired_at",
                    "revoked_at"]
    list_filter = ["purpose", "algorithm", "custody"]
    search_fields = ["key_id", "organization__name", "organization__uscc"]
    readonly_fields = ["key_id", "organization", "purpose", "algorithm", "public_key", "custody", "valid_from",
                       "retired_at", "revoked_at", "revoked_by", "registered_by", "proof", "created_at"]

    def has_add_permission(self, request):
        return request.user.has_perm(ownkeys.PLATFORM_PERM)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(ownkeys.PLATFORM_PERM)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fields = list(self.readonly_fields)
        return [*fields, "revocation_reason"] if obj.revoked_at else fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = KeyRevokeForm if obj is not None else KeyRegisterForm
        if obj is not None and obj.revoked_at:
            kwargs["fields"] = []
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organization", "algorithm", "public_key", "challenge", "signature"]
        return [*self.readonly_fields, "revocation_reason"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.pk = form.registered.pk
            return
        if "revocation_reason" in form.changed_data:
            ownkeys.key_revoke(key=obj, actor=request.user, reason=form.cleaned_data["revocation_reason"])

    def save_related(self, request, form, formsets, change):
        return None


@admin.register(KeyChallenge)
class KeyChallengeAdmin(admin.ModelAdmin):
    """Challenges for a party's key registration (its proof of possession signs one)."""

    list_display = ["nonce", "organization", "created_at", "expires_at", "used_at"]
    search_fields = ["nonce", "organization__name", "organization__uscc"]
    fields = ["organization"]

    def has_add_permission(self, request):
        return request.user.has_perm(ownkeys.PLATFORM_PERM)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        return ["organization"] if obj is None else ["nonce", "organization", "created_at", "expires_at", "used_at"]

    def save_model(self, request, obj, form, change):
        issued = ownkeys.key_challenge_issue(organization=obj.organization, actor=request.user)
        obj.pk = issued.pk
        obj.nonce = issued.nonce


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


@admin.register(TreeHeadToken)
class TreeHeadTokenAdmin(_ReadOnly):
    list_display = ["head", "gen_time", "tsa_url", "obtained_at"]
    exclude = ["token"]
