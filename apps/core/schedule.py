"""Periodic tasks registered by apps (in AppConfig.ready) into Celery beat's schedule."""

from __future__ import annotations

from liuzhou_regulation.celery import app


def register_periodic(name: str, task: str, seconds: float, **options) -> None:
    """``register_periodic("leads-lawful-list", "apps.leads.tasks.push_lawful_list", 86400)``."""
    app.conf.beat_schedule = {**(app.conf.beat_schedule or {}), name: {"task": task, "schedule": seconds, **options}}
