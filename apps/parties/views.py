from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone

from apps.core.home import panels_for

from .middleware import account_is_active
from .models import Role


class _LoginForm(AuthenticationForm):
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not account_is_active(user):
            raise ValidationError(self.error_messages["inactive"], code="inactive")


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = _LoginForm
    redirect_authenticated_user = True


@login_required
def home(request):
    """The role's dashboard: first the organisation's clocks past due or due soonest (apps.dashboard.due), then
    what it must act on today as numbers linking to the filtered lists (apps.dashboard.tiles), links to the charts the user may see, then the panels the apps registered."""
    from apps.dashboard import charts, due, report, tiles

    role = request.user.role
    return render(request, "parties/home.html", {
        "role": role,
        "role_label": Role(role).label if role else "",
        "today": timezone.localdate(),
        "due": due.due_panel(request.user) if request.user.organization_id else None,
        "tiles": tiles.tiles_for(request.user),
        "charts": charts.charts_for(request.user),
        "may_report": report.may_read(request.user),
        "panels": panels_for(request),
    })
