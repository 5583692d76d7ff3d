"""The complaint trail is append-only (the database refuses UPDATE/DELETE); role groups get their permissions."""

from django.db import migrations

from apps.parties.roles import grant, revoke

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

HANDLER = ["complaints.view_complaint", "complaints.add_complaint", "complaints.change_complaint",
           "complaints.view_complaintevent", "complaints.view_complaintphoto"]
PERMS = {
    "transport_officer": HANDLER,
    "regulator_staff": HANDLER,
    # object-level grants decide which complaints; the model permission lets the role use the pages and API
    "insurer_staff": ["complaints.view_complaint", "complaints.view_complaintevent"],
}


def forwards(apps, schema_editor):
    grant(apps, PERMS)


def backwards(apps, schema_editor):
    revoke(apps, PERMS)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial"), ("parties", "0002_role_groups")]
    operations = [migrations.RunSQL(SQL, REVERSE), migrations.RunPython(forwards, backwards)]
