"""Signing in and out, the password and the second factor: global names
("login", "two_factor"), as django.contrib.auth's own views and settings
(LOGIN_URL) expect, so they sit outside the app's namespace."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import two_factor_views

urlpatterns = [
    path(
        "login/",
        login_not_required(auth_views.LoginView.as_view(redirect_authenticated_user=True)),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="registration/password_change.html",
            success_url="/account/password/done/",
        ),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_changed.html"
        ),
        name="password_change_done",
    ),
    path("account/two-factor/", two_factor_views.verify, name="two_factor"),
    path("account/two-factor/setup/", two_factor_views.setup, name="two_factor_setup"),
    path(
        "account/two-factor/backup-codes/",
        two_factor_views.new_backup_codes,
        name="two_factor_backup_codes",
    ),
]
