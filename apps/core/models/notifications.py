from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """Something the platform told a user (a reminder, a new worklist …), read or unread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    # What the platform wrote, as message ids and their parameters (apps.core.notifications.Text), rendered again in
    # the reader's language; empty on rows a user's text fills and on rows older than them (``title``/``body`` show).
    title_msgid = models.TextField(blank=True, default="")
    body_msgid = models.TextField(blank=True, default="")
    params = models.JSONField(blank=True, default=dict)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    kind = models.CharField(_("类别"), max_length=60, blank=True, db_index=True)
    dedup_key = models.CharField(max_length=120, blank=True, help_text="the same reminder is never sent twice")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            # a user's list in its order, keyset pages included (apps.core.pagination)
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_recent"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedup_key"], condition=~models.Q(dedup_key=""), name="notification_dedup"),
        ]

    def __str__(self) -> str:
        return self.display_title

    def _display(self, msgid: str, stored: str) -> str:
        if not msgid:
            return stored
        from apps.core.notifications import render

        try:
            return render(msgid, self.params or {})
        except (KeyError, ValueError, TypeError):  # a parameter the message no longer fits: what was stored
            return stored

    @property
    def display_title(self) -> str:
        """The title in the active language (the stored text for rows without a message id)."""
        return self._display(self.title_msgid, self.title)

    @property
    def display_body(self) -> str:
        """The body in the active language; a user's own text (no message id) as it was typed."""
        return self._display(self.body_msgid, self.body)
