from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .navigation import items_for


def platform(request):
    user = getattr(request, "user", None)
    return {
        "PLATFORM_NAME": _("柳州市客运车辆保险联合监管平台"),
        "ENV": settings.ENV,
        "nav_items": items_for(user, request.path) if user is not None else [],
    }
