"""Case events and issued notices are append-only (the database refuses UPDATE and DELETE of their rows), and the
role groups get the rescission models' permissions (rows are further narrowed by apps/rescissions/access.py)."""

from django.db import migrations

from apps.parties.roles import grant, revoke

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

_VIEW = ["rescissions.view_rescissioncase", "rescissions.view_rescissionevent", "rescissions.view_rescissionnotice"]
PERMS = {
    "insurer_staff": [*_VIEW, "rescissions.add_rescissioncase", "rescissions.change_rescissioncase"],
    "regulator_staff": list(_VIEW),
    "insurance_association_staff": list(_VIEW),
}


def forwards(apps, schema_editor):
    grant(apps, PERMS)


def backwards(apps, schema_editor):
    revoke(apps, PERMS)


class Migration(migrations.Migration):
    dependencies = [
        ("rescissions", "0001_initial"),
        ("parties", "0002_role_groups"),
    ]
    operations = [
        migrations.RunSQL(SQL, REVERSE),
        migrations.RunPython(forwards, backwards),
    ]
