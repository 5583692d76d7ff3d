from django.contrib import admin

from .models import Feed, PlatformCompany


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "organization", "account", "is_active")
    list_filter = ("kind", "is_active")


@admin.register(PlatformCompany)
class PlatformCompanyAdmin(admin.ModelAdmin):
    list_display = ("company_id", "organization")
    search_fields = ("company_id",)
