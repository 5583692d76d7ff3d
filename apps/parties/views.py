from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from .middleware import account_is_active


class _LoginForm(AuthenticationForm):
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not account_is_active(user):
            raise ValidationError(self.error_messages["inactive"], code="inactive")


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = _LoginForm
    redirect_authenticated_user = True
