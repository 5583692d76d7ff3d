from django.conf import settings

from .navigation import items_for


def platform(request):
    user = getattr(request, "user", None)
    return {
        "PLATFORM_NAME": "柳州市客运车辆保险联合监管平台",
        "ENV": settings.ENV,
        "nav_items": items_for(user) if user is not None else [],
    }
