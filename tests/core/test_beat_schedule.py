"""The Celery beat schedule is written in one place, settings.CELERY_BEAT_SCHEDULE: every periodic task with its
interval. No app adds to it in its ready(), and each entry names a task the worker has registered."""

from django.conf import settings

from liuzhou_regulation.celery import app

# Every periodic task the apps scheduled before the schedule moved into settings (names, tasks, default intervals).
PERIODIC_TASKS = {
    "deadline-scan": ("apps.core.tasks.deadline_scan", 60),
    "imports-purge-files": ("apps.core.imports.import_files_purge_task", 86400),
    "exchange-sweep": ("apps.exchange.tasks.exchange_sweep", 60),
    "exchange-log-heads": ("apps.exchange.tasks.exchange_log_heads", 3600),
    "policies-expire": ("apps.policies.tasks.policies_expire", 3600),
    "leads-lawful-list": ("apps.leads.tasks.push_lawful_list", 86400),
    "leads-risk-model": ("apps.leads.tasks.run_risk_model", 86400),
    "claims-analytics": ("apps.claims.tasks.claims_analytics_run", 86400),
    "dashboard-joint-report": ("apps.dashboard.tasks.joint_report_announce", 3600),
    "ridehailing-retention": ("apps.ridehailing.tasks.retention_sweep", 86400),  # raw operating data, >= 6 months
    "ridehailing-permit-check": ("apps.ridehailing.tasks.permit_check", 86400),  # rule M5, yesterday's trips
    "ridehailing-insurance-check": ("apps.ridehailing.tasks.insurance_check", 86400),  # rules M6, M8
}


def test_beat_schedule_is_the_settings_one_with_every_periodic_task():
    assert app.conf.beat_schedule == settings.CELERY_BEAT_SCHEDULE  # no app added or changed an entry
    assert {name: (entry["task"], entry["schedule"]) for name, entry in app.conf.beat_schedule.items()} \
        == PERIODIC_TASKS


def test_beat_schedule_names_only_registered_tasks():
    app.loader.import_default_modules()  # the worker's task discovery
    missing = {name: entry["task"] for name, entry in app.conf.beat_schedule.items() if entry["task"] not in app.tasks}
    assert not missing


def test_intervals_are_the_apps_settings():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["exchange-sweep"]["schedule"] == settings.EXCHANGE_SWEEP_SECONDS
    assert schedule["exchange-log-heads"]["schedule"] == settings.EXCHANGE_LOG_HEAD_SECONDS
    assert schedule["leads-lawful-list"]["schedule"] == settings.LAWFUL_LIST_PUSH_SECONDS
    assert schedule["leads-risk-model"]["schedule"] == settings.RISK_MODEL_RUN_SECONDS
    assert schedule["claims-analytics"]["schedule"] == settings.CLAIM_ANALYTICS_SECONDS
    assert schedule["dashboard-joint-report"]["schedule"] == max(60, settings.DASHBOARD_REPORT_ANNOUNCE_SECONDS)
    assert schedule["deadline-scan"]["schedule"] == settings.DEADLINE_SCAN_SECONDS
