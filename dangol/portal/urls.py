from django.contrib.auth import views as auth_views
from django.urls import path

from dangol.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="portal:login"), name="logout"),
    path("me/", views.customer_home, name="customer_home"),
    path("me/profile/", views.customer_profile, name="customer_profile"),
    path("me/consent/", views.customer_consent, name="customer_consent"),
    path("me/tickets/new/", views.customer_ticket_new, name="customer_ticket_new"),
    path("me/tickets/<int:pk>/", views.customer_ticket, name="customer_ticket"),
    path("partner/", views.partner_home, name="partner_home"),
    path("partner/customers/<int:pk>/", views.partner_customer, name="partner_customer"),
    path("partner/leads/new/", views.partner_lead_new, name="partner_lead_new"),
]
