"""Every registry filled in an AppConfig.ready() is an ``apps.core.registry.Registry`` (issue 18), and still holds
every entry registered before the registries were ported to it, in the same order (listed from the code of then:
a dropped entry, or one moved before another, fails here; entries added since are allowed). The demo seeders,
once such a registry, are one ordered list in ``apps.demo.seeders`` now, in the order the registry ran them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.core import deadlines, home, navigation, rules, subjects
from apps.core.registry import DuplicateEntry, Registry, dotted_name
from apps.demo import seeders
from apps.exchange import registry as batch_kinds
from apps.imports import registry as import_kinds
from apps.leads import risk
from apps.parties import access
from apps.parties import services as party_services
from apps.policies import services as policy_services
from apps.vehicles import cover, timeline, worklist

# labels of the models with an audience rule (apps/*/access.py, parties.access.audience)
ACCESS = ['claims.AnalyticsRun', 'claims.AnalyticsThresholds', 'claims.Claim', 'claims.ClaimProgressNotice',
 'claims.FocusedCheck', 'claims.FocusedCheckList', 'complaints.Complaint', 'complaints.ComplaintEvent',
 'complaints.ComplaintPhoto', 'core.AuditEvent', 'core.Deadline', 'credit.CreditProposal', 'credit.CreditRecord',
 'credit.SupervisoryAction', 'credit.UrgingItem', 'exchange.Batch', 'exchange.BatchEvent', 'exchange.InboxEntry',
 'exchange.OrganizationKey', 'imports.ImportJob', 'imports.ImportRowError', 'inspections.Inspection',
 'inspections.InspectionFinding', 'inspections.InspectionNotice', 'inspections.Training',
 'leads.InsurerWorklistItem', 'leads.LawfulListRun', 'leads.Lead', 'leads.LeadAttachment', 'leads.LeadEvent',
 'leads.Penalty', 'leads.RiskModelRun', 'leads.RiskModelWeights', 'leads.RiskScore', 'leads.ScreeningFinding',
 'parties.Organization', 'parties.User', 'policies.Cancellation', 'policies.Coverage',
 'policies.CoverageRequirement', 'policies.CoverageStandard', 'policies.Endorsement', 'policies.Policy',
 'policies.PolicyStatusChange', 'rescissions.RescissionCase', 'rescissions.RescissionEvent',
 'rescissions.RescissionNotice', 'ridehailing.CompanyVersion', 'ridehailing.Delivery', 'ridehailing.DeliveryRecord',
 'ridehailing.DriverVersion', 'ridehailing.Feed', 'ridehailing.OperatingRecord', 'ridehailing.PlatformCompany',
 'ridehailing.VehicleDay', 'ridehailing.VehicleInsuranceVersion', 'ridehailing.VehicleVersion', 'vehicles.Driver',
 'vehicles.DriverAssignment', 'vehicles.OnboardingCheck', 'vehicles.OperatingPermit', 'vehicles.Vehicle']
HOME = ['parties.operator', 'exchange-attention', 'leads-inbox', 'leads-risk-runs', 'leads-worklist',
 'rescissions.insurer', 'rescissions.lapsing', 'rescissions.watcher', 'claims-due', 'claims-breaches', 'complaints',
 'credit.actions', 'credit.urging', 'credit.proposals', 'credit.company_files', 'credit.own_file',
 'inspections.own', 'inspections.trainings']
NAV = ['deadlines-due', 'notifications', 'exchange-batch-list', 'vehicles:list', 'vehicles:permits', 'vehicles:drivers',
 'vehicles:onboarding', 'vehicles:worklist', 'import-list', 'policies:list', 'policies:standard',
 'policies:calculator', 'policies:underwriting', 'leads:inbox', 'leads:outbox', 'leads:worklist', 'leads:penalties',
 'leads:screening', 'leads:risk', 'rescissions:list', 'rescissions:compliance', 'claims-list', 'claims-sla',
 'claims-analytics', 'claims-checks', 'complaints:staff_list', 'credit:index', 'credit:actions', 'credit:proposals',
 'credit:urging', 'inspections:list', 'inspections:notices', 'inspections:trainings', 'dashboard:charts',
 'dashboard:report', 'ridehailing:feeds']
RULES = ['policy.endorsement', 'lead.offline_check', 'lead.worklist_answer', 'rescission.decide', 'rescission.disclosure',
 'claim.dispatch', 'claim.documents_list', 'claim.decision', 'claim.refusal_notice', 'claim.payment',
 'claim.small_close', 'claim.progress', 'claims.focused_check', 'complaint.feedback', 'complaint.handling',
 'supervisory_action.followup', 'credit.urging_item', 'inspection.rectification']
BREACH_HANDLERS = {'claim.decision': ['apps.claims.handlers.notify_breach'],
 'claim.dispatch': ['apps.claims.handlers.notify_breach'],
 'claim.documents_list': ['apps.claims.handlers.notify_breach'],
 'claim.payment': ['apps.claims.handlers.notify_breach'],
 'claim.progress': ['apps.claims.handlers.notify_breach'],
 'claim.refusal_notice': ['apps.claims.handlers.notify_breach'],
 'claim.small_close': ['apps.claims.handlers.notify_breach'],
 'complaint.feedback': ['apps.complaints.handlers._feedback_overdue'],
 'complaint.handling': ['apps.complaints.handlers._handling_overdue'],
 'credit.urging_item': ['apps.credit.handlers._urging_overdue'],
 'inspection.rectification': ['apps.inspections.handlers._rectification_overdue'],
 'rescission.decide': ['apps.rescissions.handlers._decision_deadline_passed'],
 'rescission.disclosure': ['apps.rescissions.handlers._disclosure_period_ended'],
 'supervisory_action.followup': ['apps.credit.handlers._followup_overdue']}
WARNING_HANDLERS = {'claim.decision': ['apps.claims.handlers.notify_warning'],
 'claim.dispatch': ['apps.claims.handlers.notify_warning'],
 'claim.documents_list': ['apps.claims.handlers.notify_warning'],
 'claim.payment': ['apps.claims.handlers.notify_warning'],
 'claim.progress': ['apps.claims.handlers.notify_warning'],
 'claim.refusal_notice': ['apps.claims.handlers.notify_warning'],
 'claim.small_close': ['apps.claims.handlers.notify_warning'],
 'complaint.feedback': ['apps.complaints.handlers._feedback_due_soon'],
 'complaint.handling': ['apps.complaints.handlers._handling_due_soon'],
 'credit.urging_item': ['apps.credit.handlers._urging_due_soon'],
 'inspection.rectification': ['apps.inspections.handlers._rectification_due_soon'],
 'supervisory_action.followup': ['apps.credit.handlers._followup_due_soon']}
RECOMPUTE_HANDLERS = {'rescission.decide': ['apps.rescissions.clock._case_follows_its_clock'],
 'rescission.disclosure': ['apps.rescissions.clock._disclosure_follows_its_clock']}
REMINDER_HANDLERS = {'rescission.decide': ['apps.rescissions.handlers._reminder_day_reached']}
SUBJECTS = ['parties.organization', 'rescissions.rescissioncase', 'rescissions.rescissionevent', 'rescissions.casepolicy',
 'claims.claim', 'claims.claimprogressnotice', 'claims.focusedchecklist', 'complaints.complaint',
 'complaints.handlingperiod', 'credit.supervisoryaction', 'credit.urgingitem', 'leads.lead',
 'leads.insurerworklistitem', 'inspections.inspectionnotice']
BATCH_KINDS = ['log_heads', 'leads', 'worklist', 'lawful_list', 'penalties', 'check_results', 'focused_checks']
IMPORT_KINDS = ['vehicles', 'permits', 'drivers', 'policies']
FEATURES = ['non_operating_in_ledger', 'non_operating_with_permit', 'penalties', 'confirmed_leads', 'claims_passenger_signals',
 'ridehailing_trips_non_operating']
TIMELINE = ['vehicle', 'permits', 'drivers', 'onboarding', 'policies']
WORKLIST_SECTIONS = ['ridehailing']  # rule M9, registered by ride-hailing (vehicles sits below it)
VEHICLE_COVER = ['onboarding', 'worklist_rows', 'insured_by', 'verification', 'policy_kind_label']  # registered by policies (above vehicles)
POLICY_CREATE_CHECKS = ['apps.credit.services.policy_create_check_suspension']
ORGANIZATION_CREATED_HOOKS = ['apps.exchange.services.on_organization_created']
# the demo seeders were a registry filled in the apps' ready() (in INSTALLED_APPS order); they are now one list in
# apps.demo, in that order (apps/<app>/demo.py moved to apps/demo/seeders/<app>.py, exchange's from its apps.py)
DEMO_SEEDERS = ['apps.demo.seeders.exchange.seed_demo_keys', 'apps.demo.management.commands.generate_city.seed_demo_city',
 'apps.demo.seeders.policies.seed_demo_standard', 'apps.demo.seeders.leads.seed_demo',
 'apps.demo.seeders.rescissions.seed_demo', 'apps.demo.seeders.claims.seed_demo',
 'apps.demo.seeders.complaints.seed_demo_complaints', 'apps.demo.seeders.credit.seed_demo_credit',
 'apps.demo.seeders.inspections.seed_demo_inspections', 'apps.demo.seeders.ridehailing.seed_demo_ridehailing']


def _in_order(before: list, now: list) -> bool:
    """Every entry of ``before`` is in ``now``, in the same relative order."""
    positions = [now.index(entry) for entry in before if entry in now]
    return len(positions) == len(before) and positions == sorted(positions)


def _handlers(registry: Registry) -> dict[str, list[str]]:
    return {rule: [dotted_name(fn) for fn in fns] for rule, fns in registry.items()}


REGISTRIES = {
    "audience rules": (lambda: access._RULES, lambda r: sorted(model._meta.label for model in r), ACCESS),
    "home panels": (lambda: home._PANELS, Registry.keys, HOME),
    "navigation": (lambda: navigation._ITEMS, Registry.keys, NAV),
    "clock rules": (lambda: rules._RULES, Registry.keys, RULES),
    "subject kinds": (lambda: subjects._KINDS, Registry.keys, SUBJECTS),
    "batch kinds": (lambda: batch_kinds.BATCH_KINDS, Registry.keys, BATCH_KINDS),
    "import kinds": (lambda: import_kinds.IMPORT_KINDS, Registry.keys, IMPORT_KINDS),
    "risk features": (lambda: risk._FEATURES, Registry.keys, FEATURES),
    "timeline sources": (lambda: timeline.VEHICLE_TIMELINE_SOURCES, Registry.keys, TIMELINE),
    "worklist sections": (lambda: worklist.WORKLIST_SECTIONS, Registry.keys, WORKLIST_SECTIONS),
    "vehicle cover": (lambda: cover.VEHICLE_COVER, Registry.keys, VEHICLE_COVER),
    "policy-create checks": (lambda: policy_services.POLICY_CREATE_CHECKS, Registry.keys, POLICY_CREATE_CHECKS),
    "organisation hooks": (lambda: party_services.ORGANIZATION_CREATED_HOOKS, Registry.keys,
                           ORGANIZATION_CREATED_HOOKS),
}


@pytest.mark.parametrize("name", list(REGISTRIES))
def test_each_registry_is_the_kernel_type_and_keeps_every_entry_in_order(name):
    get, keys, before = REGISTRIES[name]
    registry = get()
    assert isinstance(registry, Registry)
    if name == "subject kinds":
        subjects._defaults()  # registered on first use
    now = keys(registry)
    missing = [entry for entry in before if entry not in now]
    assert not missing, f"{name}: dropped {missing}"
    assert _in_order(before, now), f"{name}: order changed: {now}"


def test_the_demo_seeders_are_one_list_in_the_demo_app_in_the_order_the_registry_ran_them():
    """Issue 18: no app registers demo data; ``seed_demo`` runs ``apps.demo.seeders.SEEDERS``, each once."""
    assert isinstance(seeders.SEEDERS, list)
    assert [dotted_name(fn) for fn in seeders.SEEDERS] == DEMO_SEEDERS


@pytest.mark.parametrize(("registry", "before"), [
    (deadlines._BREACH_HANDLERS, BREACH_HANDLERS), (deadlines._WARNING_HANDLERS, WARNING_HANDLERS),
    (deadlines._RECOMPUTE_HANDLERS, RECOMPUTE_HANDLERS), (deadlines._REMINDER_HANDLERS, REMINDER_HANDLERS),
], ids=["breach", "warning", "recompute", "reminder"])
def test_the_deadline_handlers_are_kept_per_rule(registry, before):
    assert isinstance(registry, Registry) and registry.many
    now = _handlers(registry)
    for rule, handlers in before.items():
        assert _in_order(handlers, now.get(rule, [])), (rule, now.get(rule))


def test_the_two_kind_registries_are_distinct_objects_with_distinct_names():
    """Batch kinds (apps.exchange) and import kinds (apps.imports) were both ``register_kind``."""
    assert batch_kinds.BATCH_KINDS is not import_kinds.IMPORT_KINDS
    assert import_kinds.register_import_kind is not batch_kinds.register_kind
    assert not hasattr(import_kinds, "register_kind")
    assert set(batch_kinds.BATCH_KINDS.keys()).isdisjoint({"vehicles", "permits", "drivers", "policies"})


def test_the_public_functions_apply_the_one_duplicate_rule():
    """Before the port, home panels, clock rules, timeline sources, risk features and import kinds silently took
    the last registration and navigation the first; now the same entry again is a no-op and another is refused."""
    panel = home._PANELS["claims-due"]
    home.register(panel.key, panel.template, panel.context, roles=panel.roles, order=panel.order)  # the same
    with pytest.raises(DuplicateEntry):
        home.register(panel.key, "other.html", panel.context, roles=panel.roles, order=panel.order)
    with pytest.raises(DuplicateEntry):
        navigation.register("another label", "deadlines-due")
    with pytest.raises(DuplicateEntry):
        timeline.register_timeline_source("vehicle", lambda user, vehicle: [])
    with pytest.raises(DuplicateEntry):
        risk.register_feature("penalties", "other", lambda at: {})
    kind = import_kinds.IMPORT_KINDS["vehicles"]
    assert import_kinds.register_import_kind(kind) is kind
    rule = rules.rule_get("rescission.disclosure")
    with pytest.raises(DuplicateEntry):
        rules.register_rule(rule.key, "other label", unit=rule.unit, amount=5)
    assert home._PANELS["claims-due"] is panel and rules.rule_get("rescission.disclosure") is rule
    assert reverse(navigation._ITEMS["deadlines-due"].url_name)


def test_an_audience_rule_and_a_batch_kind_keep_their_rule_of_before():
    """Both already refused a second, different registration and accepted the same one again."""
    from apps.parties.models import Organization

    rule = access._RULES[Organization]
    assert access.audience(Organization)(rule) is rule
    with pytest.raises(DuplicateEntry):
        access.audience(Organization)(lambda user, qs: qs)
    heads = batch_kinds.BATCH_KINDS["log_heads"]
    assert batch_kinds.register_kind("log_heads", heads.handler, label=heads.label).handler is heads.handler
    with pytest.raises(DuplicateEntry):
        batch_kinds.register_kind("log_heads", lambda batch, rows, at: [])
    assert batch_kinds.BATCH_KINDS["log_heads"].handler is heads.handler
