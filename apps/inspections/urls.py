from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("", views.inspection_list, name="list"),
    path("new/", views.inspection_create, name="create"),
    path("<int:pk>/", views.inspection_detail, name="detail"),
    path("<int:pk>/findings/", views.finding_record, name="finding"),
    path("findings/<int:pk>/notice/", views.notice_issue, name="notice-issue"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
    path("notices/<int:pk>/print/", views.notice_print, name="notice-print"),
    path("notices/<int:pk>/pdf/", views.notice_pdf, name="notice-pdf"),
    path("notices/<int:pk>/report/", views.notice_report, name="notice-report"),
    path("notices/<int:pk>/close/", views.notice_close, name="notice-close"),
    path("trainings/", views.training_list, name="trainings"),
    path("trainings/new/", views.training_create, name="training-create"),
    path("trainings/<int:pk>/", views.training_detail, name="training"),
]
