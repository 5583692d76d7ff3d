"""The complaint trail is append-only (the database refuses UPDATE/DELETE).

Role grants are not made here any more: the one rights table (apps/parties/rights.py and each app's
rights.py) is applied after every migrate and holds exactly what each role may do.
"""

from django.db import migrations


SQL = """
CREATE OR REPLACE FUNCTION complaints_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'complaints_complaintevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER complaints_event_no_update BEFORE UPDATE OR DELETE ON complaints_complaintevent
    FOR EACH ROW EXECUTE FUNCTION complaints_event_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS complaints_event_no_update ON complaints_complaintevent;
DROP FUNCTION IF EXISTS complaints_event_append_only();
"""

class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial"), ("parties", "0002_role_groups")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
