"""The trail is append-only and a sealed batch cannot be rewritten (rule M3: evidence of what was sent and when).

* ``exchange_batchevent`` and ``exchange_inboxentry`` refuse UPDATE and DELETE;
* ``exchange_batch`` refuses DELETE, refuses any change to what was sealed and signed (id, kind, parties, header,
  ciphertext, signature, digest, creation time), and a receipt once written can never change.

TRUNCATE is left to the table owner (test databases are flushed with it).
"""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION exchange_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER exchange_batchevent_append_only BEFORE UPDATE OR DELETE ON exchange_batchevent
    FOR EACH ROW EXECUTE FUNCTION exchange_append_only();
CREATE TRIGGER exchange_inboxentry_append_only BEFORE UPDATE OR DELETE ON exchange_inboxentry
    FOR EACH ROW EXECUTE FUNCTION exchange_append_only();

CREATE OR REPLACE FUNCTION exchange_batch_sealed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'exchange_batch rows are never deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.kind IS DISTINCT FROM OLD.kind
       OR NEW.sender_id IS DISTINCT FROM OLD.sender_id OR NEW.recipient_id IS DISTINCT FROM OLD.recipient_id
       OR NEW.header IS DISTINCT FROM OLD.header OR NEW.ciphertext IS DISTINCT FROM OLD.ciphertext
       OR NEW.signature IS DISTINCT FROM OLD.signature OR NEW.sealed_sha256 IS DISTINCT FROM OLD.sealed_sha256
       OR NEW.created_at IS DISTINCT FROM OLD.created_at OR NEW.refs IS DISTINCT FROM OLD.refs
       OR NEW.row_count IS DISTINCT FROM OLD.row_count THEN
        RAISE EXCEPTION 'a sealed exchange batch cannot be changed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.receipt IS NOT NULL AND (NEW.receipt IS DISTINCT FROM OLD.receipt
       OR NEW.receipt_signature IS DISTINCT FROM OLD.receipt_signature
       OR NEW.receipt_at IS DISTINCT FROM OLD.receipt_at) THEN
        RAISE EXCEPTION 'an exchange receipt cannot be changed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER exchange_batch_sealed BEFORE UPDATE OR DELETE ON exchange_batch
    FOR EACH ROW EXECUTE FUNCTION exchange_batch_sealed();
"""

REVERSE = """
DROP TRIGGER IF EXISTS exchange_batch_sealed ON exchange_batch;
DROP FUNCTION IF EXISTS exchange_batch_sealed();
DROP TRIGGER IF EXISTS exchange_inboxentry_append_only ON exchange_inboxentry;
DROP TRIGGER IF EXISTS exchange_batchevent_append_only ON exchange_batchevent;
DROP FUNCTION IF EXISTS exchange_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
