"""Credit records are append-only (corrections are new records): the database refuses UPDATE and DELETE.

Role grants are not made here any more: the one rights table (apps/parties/rights.py and each app's
rights.py) is applied after every migrate and holds exactly what each role may do.
"""

from django.db import migrations


SQL = """
CREATE OR REPLACE FUNCTION credit_creditrecord_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'credit_creditrecord is append-only (% refused); record a correction instead', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER credit_creditrecord_no_update BEFORE UPDATE OR DELETE ON credit_creditrecord
    FOR EACH ROW EXECUTE FUNCTION credit_creditrecord_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS credit_creditrecord_no_update ON credit_creditrecord;
DROP FUNCTION IF EXISTS credit_creditrecord_append_only();
"""

class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial"), ("parties", "0002_role_groups")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
