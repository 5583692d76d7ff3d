from django.urls import path

from . import views

app_name = "credit"

urlpatterns = [
    path("", views.index, name="index"),
    path("file/<str:kind>/<int:pk>/", views.subject_file, name="file"),
    path("records/new/", views.record_add, name="record_add"),
    path("records/<int:pk>/correct/", views.record_correct, name="record_correct"),
    path("actions/", views.action_list, name="actions"),
    path("actions/new/", views.action_new, name="action_new"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("actions/<int:pk>/close/", views.action_close, name="action_close"),
    path("actions/<int:pk>/decision.pdf", views.action_decision_pdf, name="action_decision_pdf"),
    path("proposals/", views.proposal_list, name="proposals"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/decide/", views.proposal_decide, name="proposal_decide"),
    path("urging/", views.urging_list, name="urging"),
    path("urging/<int:pk>/", views.urging_detail, name="urging_item"),
    path("urging/<int:pk>/record/", views.urging_record, name="urging_record"),
    path("urging/<int:pk>/close/", views.urging_close, name="urging_close"),
]
