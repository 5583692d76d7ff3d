import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuzhou_regulation.settings")

app = Celery("liuzhou_regulation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
