from django.urls import path

from . import views

app_name = "rescissions"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_open, name="open"),
    path("compliance/", views.compliance, name="compliance"),
    path("<int:pk>/", views.case_detail, name="case"),
    path("<int:pk>/notice-send/", views.notice_send, name="notice-send"),
    path("<int:pk>/notice-receive/", views.notice_receive, name="notice-receive"),
    path("<int:pk>/disclosure/", views.disclosure, name="disclosure"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/path/", views.path_record, name="path"),
    path("<int:pk>/endorse/", views.endorse, name="endorse"),
    path("<int:pk>/policies/", views.policy_add, name="policy-add"),
    path("<int:pk>/correct/", views.correct, name="correct"),
    path("<int:pk>/notices/<str:kind>/", views.notice_page, name="notice"),
    path("<int:pk>/notices/pdf/<int:notice_pk>/", views.notice_pdf, name="notice-pdf"),
]
