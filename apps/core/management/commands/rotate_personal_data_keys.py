"""Re-encrypt every personal-data value under the newest key of ``PERSONAL_DATA_KEYS``.

Key rotation: put the new key first in ``PERSONAL_DATA_KEYS`` (keep the old ones after it, so everything still
decrypts), deploy, run this command, then remove the old keys. It walks every model with an
``EncryptedTextField`` in primary-key order, one transaction per batch (rows locked with SELECT … FOR UPDATE), and
skips values already under the newest key, so it can be interrupted and run again.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, models, transaction
from django.db.models.functions import Cast

from apps.core import crypto


class Command(BaseCommand):
    help = "用最新的个人信息密钥重新加密所有加密字段（密钥轮换）。Re-encrypt personal data under the newest key."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="每个事务处理的行数 (rows per transaction)")

    def handle(self, *args, batch_size: int = 500, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        total_rows = total_rotated = total_current = 0
        tables = set(connection.introspection.table_names())
        for model in apps.get_models():
            fields = crypto.encrypted_fields(model)
            # an unmanaged model is walked when it says its table holds personal data it owns (the ride-hailing
            # raw records' day-partitioned table: ``rotate_personal_data = True``)
            walked = model._meta.managed or getattr(model, "rotate_personal_data", False)
            if not fields or model._meta.proxy or not walked:
                continue
            if model._meta.db_table not in tables:
                self.stdout.write(f"{model._meta.label}: skipped, table {model._meta.db_table} does not exist (not migrated)")
                continue
            rows, rotated, current = self._rotate_model(model, fields, batch_size)
            total_rows, total_rotated, total_current = total_rows + rows, total_rotated + rotated, total_current + current
            self.stdout.write(
                f"{model._meta.label}: {rows} rows, {rotated} values re-encrypted, {current} already under the newest key"
            )
        self.stdout.write(self.style.SUCCESS(
            f"Done: {total_rows} rows, {total_rotated} values re-encrypted, {total_current} already current."
        ))

    def _rotate_model(self, model, fields, batch_size: int) -> tuple[int, int, int]:
        # Read the stored tokens as plain text (no decryption by the field), decide per value, write back the
        # plaintext through the field so it is encrypted under the newest key.
        raw = {f"_raw_{f.attname}": Cast(f.attname, output_field=models.TextField()) for f in fields}
        pk_name = model._meta.pk.attname
        last_pk = None
        rows = rotated = current = 0
        while True:
            with transaction.atomic():
                qs = model._base_manager.order_by(pk_name)
                if last_pk is not None:
                    qs = qs.filter(pk__gt=last_pk)
                pks = list(qs.select_for_update().values_list(pk_name, flat=True)[:batch_size])
                if not pks:
                    break
                batch = model._base_manager.filter(pk__in=pks).annotate(**raw).values(pk_name, *raw)
                changed = []
                for row in batch:
                    values = {}
                    for field in fields:
                        token = row[f"_raw_{field.attname}"]
                        if not token:
                            continue
                        if crypto.is_current(token):
                            current += 1
                            continue
                        try:
                            values[field.attname] = crypto.decrypt(token)
                        except RuntimeError:
                            raise CommandError(
                                f"{model._meta.label} pk={row[pk_name]} field {field.name}: "
                                "no configured key decrypts it; keep the old key in PERSONAL_DATA_KEYS"
                            ) from None
                    if values:
                        changed.append((row[pk_name], values))
                for pk, values in changed:
                    try:
                        model._base_manager.filter(pk=pk).update(**values)  # the field encrypts with the newest key
                    except DatabaseError as exc:
                        raise CommandError(f"{model._meta.label} pk={pk}: could not be re-encrypted: {exc}") from exc
                    rotated += len(values)
                rows += len(pks)
                last_pk = pks[-1]
            if len(pks) < batch_size:
                break
        return rows, rotated, current
