from django.urls import path

from . import views

app_name = "leads"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("outbox/", views.outbox, name="outbox"),
    path("bulk/", views.bulk, name="bulk"),
    path("flag/", views.flag, name="flag"),
    path("upload/", views.upload, name="upload"),
    path("report/", views.report, name="report"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/push/", views.push, name="push"),
    path("<int:pk>/verify/", views.verify, name="verify"),
    path("<int:pk>/request-check/", views.request_check, name="request-check"),
    path("<int:pk>/check-start/", views.check_start, name="check-start"),
    path("<int:pk>/check/", views.check_record, name="check"),
    path("<int:pk>/dispose/", views.dispose, name="dispose"),
    path("<int:pk>/attach/", views.attach, name="attach"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("penalties/", views.penalty_list, name="penalties"),
    path("penalties/new/", views.penalty_new, name="penalty-new"),
    path("penalties/<int:pk>/", views.penalty_detail, name="penalty"),
    path("worklist/", views.worklist, name="worklist"),
    path("worklist/<int:pk>/answer/", views.worklist_answer, name="worklist-answer"),
    path("screening/", views.screening, name="screening"),
    path("screening/push/", views.screening_push, name="screening-push"),
    path("screening/<int:pk>/", views.screening_run, name="screening-run"),
    path("screening/<int:pk>/review/", views.screening_review, name="screening-review"),
    path("screening/<int:pk>/dispatch/", views.screening_dispatch, name="screening-dispatch"),
    path("risk/", views.risk_page, name="risk"),
    path("risk/run/", views.risk_run_now, name="risk-run-now"),
    path("risk/runs/<int:pk>/", views.risk_run, name="risk-run"),
    path("risk/runs/<int:pk>/confirm/", views.risk_run_confirm, name="risk-run-confirm"),
]
