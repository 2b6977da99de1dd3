from django.contrib.auth import views as auth_views
from django.urls import path

from dangol.accounts import views
from dangol.accounts.security import views as security_views
from dangol.accounts.security.forms import LoginForm

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            redirect_authenticated_user=True,
            authentication_form=LoginForm,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("security/", security_views.security_view, name="security"),
    path("login/verify/", security_views.two_factor_verify_view, name="two_factor_verify"),
    path("notifications/", views.notifications_view, name="notifications"),
    path("notifications/badge/", views.notifications_badge_view, name="notifications_badge"),
    path("settings/", views.settings_view, name="settings"),
]
