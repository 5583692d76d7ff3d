from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from apps.core.home import panels_for

from .models import Role


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@login_required
def home(request):
    role = request.user.role
    return render(request, "parties/home.html", {
        "role": role,
        "role_label": Role(role).label if role else "",
        "panels": panels_for(request),
    })
