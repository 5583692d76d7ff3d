"""The lead trail is append-only (the database refuses UPDATE and DELETE of LeadEvent rows), and the role groups
get this app's model permissions (rows are further narrowed by access.py)."""

from django.db import migrations

from apps.parties.roles import grant, revoke

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

_TRAIL = ["leads.view_lead", "leads.view_leadevent", "leads.view_leadattachment", "leads.add_leadattachment"]
PERMS = {
    # Rule M5/M6/M7: transport flags vehicles, pushes leads and the lawful list, records penalties.
    "transport_officer": [
        *_TRAIL, "leads.add_lead", "leads.change_lead", "leads.view_penalty", "leads.add_penalty",
        "leads.view_lawfullistrun", "leads.add_lawfullistrun", "leads.view_screeningfinding",
        "leads.view_insurerworklistitem",
    ],
    # The regulator verifies insurance for leads, screens the lawful list and dispatches insurers' worklists.
    "regulator_staff": [
        *_TRAIL, "leads.change_lead", "leads.view_penalty", "leads.view_lawfullistrun",
        "leads.view_screeningfinding", "leads.view_insurerworklistitem", "leads.view_riskmodelweights",
        "leads.view_riskmodelrun", "leads.view_riskscore",
    ],
    # Rule M8: the insurance association runs the risk model and pushes its leads to transport.
    "insurance_association_staff": [
        *_TRAIL, "leads.add_lead", "leads.change_lead", "leads.view_penalty", "leads.view_lawfullistrun",
        "leads.view_screeningfinding", "leads.view_insurerworklistitem",
        "leads.view_riskmodelweights", "leads.add_riskmodelweights", "leads.view_riskmodelrun",
        "leads.add_riskmodelrun", "leads.view_riskscore",
    ],
    # Rule M9: companies report suspected vehicles.
    "taxi_company_staff": [*_TRAIL, "leads.add_lead", "leads.view_penalty"],
    "taxi_association_staff": ["leads.view_penalty"],
    # Insurers answer their own worklist rows.
    "insurer_staff": ["leads.view_insurerworklistitem", "leads.change_insurerworklistitem"],
}


def forwards(apps, schema_editor):
    grant(apps, PERMS)


def backwards(apps, schema_editor):
    revoke(apps, PERMS)


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE), migrations.RunPython(forwards, backwards)]
