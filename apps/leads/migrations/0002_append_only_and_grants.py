"""The lead trail is append-only (the database refuses UPDATE and DELETE of LeadEvent rows).

Role grants are not made here any more: the one rights table (apps/parties/rights.py and each app's
rights.py) is applied after every migrate and holds exactly what each role may do.
"""

from django.db import migrations


SQL = """
CREATE OR REPLACE FUNCTION leads_leadevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'leads_leadevent is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER leads_leadevent_no_update BEFORE UPDATE OR DELETE ON leads_leadevent
    FOR EACH ROW EXECUTE FUNCTION leads_leadevent_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS leads_leadevent_no_update ON leads_leadevent;
DROP FUNCTION IF EXISTS leads_leadevent_append_only();
"""

class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
