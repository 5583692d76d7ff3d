from django.urls import path

from . import views

app_name = "policies"

urlpatterns = [
    path("", views.PolicyListView.as_view(), name="list"),
    path("new/", views.policy_form, name="create"),
    path("<int:pk>/", views.PolicyDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.policy_form, name="edit"),
    path("<int:pk>/endorse/", views.policy_endorse, name="endorse"),
    path("<int:pk>/endorsements/<int:endorsement_pk>.pdf", views.endorsement_pdf, name="endorsement-pdf"),
    path("<int:pk>/cancel/", views.policy_cancel, name="cancel"),
    path("<int:pk>/extend/", views.policy_extend, name="extend"),
    path("<int:pk>/reveal/<str:field>/", views.policy_reveal, name="reveal"),
    path("standard/", views.standard, name="standard"),
    path("standard/<int:pk>/decide/", views.standard_decide, name="standard-decide"),
    path("calculator/", views.calculator, name="calculator"),
    path("underwriting/", views.underwriting, name="underwriting"),
]
