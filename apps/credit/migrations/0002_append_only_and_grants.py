"""Credit records are append-only (corrections are new records): the database refuses UPDATE and DELETE.
Role groups get the credit file's model permissions."""

from django.db import migrations

from apps.parties.roles import grant, revoke

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

PERMS = {
    "transport_officer": ["credit.view_creditrecord"],
    "regulator_staff": ["credit.view_creditrecord"],
    "insurance_association_staff": ["credit.view_creditrecord", "credit.add_creditrecord"],
    "taxi_association_staff": ["credit.view_creditrecord", "credit.add_creditrecord"],
    "taxi_company_staff": ["credit.view_creditrecord"],
    "insurer_staff": ["credit.view_creditrecord"],
}


def forwards(apps, schema_editor):
    grant(apps, PERMS)


def backwards(apps, schema_editor):
    revoke(apps, PERMS)


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial"), ("parties", "0002_role_groups")]
    operations = [migrations.RunSQL(SQL, REVERSE), migrations.RunPython(forwards, backwards)]
