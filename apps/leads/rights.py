"""Who may do what with leads, the lawful list, worklists, penalties and the risk model (rows narrowed by
access.py)."""

from apps.parties.models import Role

_TRAIL = ["leads.view_lead", "leads.view_leadevent", "leads.view_leadattachment", "leads.add_leadattachment"]
RIGHTS = {
    # Rule M5/M6/M7/M16: transport flags vehicles (also from 12328 reports), pushes leads and the lawful list,
    # records penalties. Rule M2: only transport checks offline and defines (界定) illegal operation.
    Role.TRANSPORT_OFFICER: [
        *_TRAIL, "leads.flag_lead", "leads.change_lead", "leads.define_illegal_operation", "leads.view_penalty",
        "leads.add_penalty", "leads.view_lawfullistrun", "leads.add_lawfullistrun", "leads.view_screeningfinding",
        "leads.view_insurerworklistitem",
    ],
    # Rule M2: the regulator verifies how a lead's vehicle is insured and may request transport's offline check;
    # it does not define illegal operation. Rule M6: it screens the lawful list and reviews every finding before
    # it opens an insurer's worklist.
    Role.REGULATOR_STAFF: [
        *_TRAIL, "leads.verify_lead_insurance", "leads.request_offline_check", "leads.view_penalty",
        "leads.view_lawfullistrun", "leads.view_screeningfinding", "leads.review_screeningfinding",
        "leads.view_insurerworklistitem", "leads.view_riskmodelweights", "leads.view_riskmodelrun", "leads.view_riskscore",
    ],
    # Rule M8: the insurance association runs the risk model (whose leads it raises: add_lead) and pushes its
    # leads, and the companies' reports it reviewed, to transport.
    Role.INSURANCE_ASSOCIATION_STAFF: [
        *_TRAIL, "leads.add_lead", "leads.change_lead", "leads.view_penalty", "leads.view_lawfullistrun",
        "leads.view_screeningfinding", "leads.view_insurerworklistitem",
        "leads.view_riskmodelweights", "leads.add_riskmodelweights", "leads.view_riskmodelrun",
        "leads.add_riskmodelrun", "leads.view_riskscore",
    ],
    # Rule M9: companies report suspected vehicles.
    Role.TAXI_COMPANY_STAFF: [*_TRAIL, "leads.report_lead", "leads.view_penalty"],
    Role.TAXI_ASSOCIATION_STAFF: ["leads.view_penalty"],
    # Insurers answer their own worklist rows and read the findings and penalties that concern their policies.
    Role.INSURER_STAFF: [
        "leads.view_insurerworklistitem", "leads.change_insurerworklistitem", "leads.view_screeningfinding",
        "leads.view_penalty",
    ],
}
