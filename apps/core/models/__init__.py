"""Shared kernel models. Each concern lives in its own module; import them from here."""

from .audit import AuditEvent
from .calendar import WorkCalendarDay, WorkCalendarYear
from .deadlines import Deadline, DeadlinePause, DeadlineReminder
from .notifications import Notification

__all__ = ["AuditEvent", "Deadline", "DeadlinePause", "DeadlineReminder", "Notification", "WorkCalendarDay", "WorkCalendarYear"]
