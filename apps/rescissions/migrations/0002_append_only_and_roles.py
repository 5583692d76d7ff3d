"""Case events and issued notices are append-only (the database refuses UPDATE and DELETE of their rows).

Role grants are not made here any more: the one rights table (apps/parties/rights.py and each app's
rights.py) is applied after every migrate and holds exactly what each role may do.
"""

from django.db import migrations


SQL = """
CREATE OR REPLACE FUNCTION rescissions_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER rescissions_event_no_update BEFORE UPDATE OR DELETE ON rescissions_rescissionevent
    FOR EACH ROW EXECUTE FUNCTION rescissions_append_only();
CREATE TRIGGER rescissions_notice_no_update BEFORE UPDATE OR DELETE ON rescissions_rescissionnotice
    FOR EACH ROW EXECUTE FUNCTION rescissions_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS rescissions_event_no_update ON rescissions_rescissionevent;
DROP TRIGGER IF EXISTS rescissions_notice_no_update ON rescissions_rescissionnotice;
DROP FUNCTION IF EXISTS rescissions_append_only();
"""

class Migration(migrations.Migration):
    dependencies = [
        ("rescissions", "0001_initial"),
        ("parties", "0002_role_groups"),
    ]
    operations = [
        migrations.RunSQL(SQL, REVERSE),
    ]
