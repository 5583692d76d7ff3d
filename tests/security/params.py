"""Path parameters of every URL with parameters: ids of real objects of the right type from the world (party
A's object, so the table also shows that party B is refused), or a value that names nothing."""

from __future__ import annotations

MISSING = 987654321  # an id no object has


def url_for(name: str, w, **override) -> str:
    """The URL of table row ``name``: ``reverse()`` with the world's ids, or for an unnamed pattern
    (``route:<regex>``) a path it matches that names no endpoint."""
    from django.urls import reverse

    if name.startswith("route:"):
        route = name.removeprefix("route:")
        return "/" + route.lstrip("^").removesuffix("$").removesuffix("\\Z") + "no-such-endpoint/"
    return reverse(name, kwargs={**url_kwargs(name, w), **override})


def url_kwargs(name: str, w) -> dict:  # noqa: C901, PLR0911, PLR0912 - a lookup table
    """The ``reverse()`` kwargs for URL ``name`` in world ``w``; ``{}`` for URLs without parameters."""
    pk = _PK.get(name)
    if pk is not None:
        obj = getattr(w, pk)
        return {"pk": obj.pk}
    extra = _EXTRA.get(name)
    if extra is not None:
        return extra(w)
    return {}


_PK = {
    # bulk imports
    "import-detail": "import_a", "import-start": "import_a", "import-discard": "import_a",
    "import-progress": "import_a", "import-errors": "import_a",
    "api-import-detail": "import_a", "api-import-start": "import_a", "api-import-discard": "import_a",
    "api-underwriting-policy": "policy_a",
    # exchange
    "exchange-batch-detail": "batch_a", "exchange-batch-archive": "batch_a", "exchange-batch-retry": "batch_a",
    "batch-detail": "batch_a", "batch-archive": "batch_a", "batch-events": "batch_a",
    "batch-receipt-to-sign": "batch_a", "batch-receipt-signature": "batch_a", "batch-to-sign": "batch_a",
    "batch-signature": "batch_a",
    "batch-event-detail": "batch_event_a",
    # registers
    "vehicles:detail": "vehicle_a", "vehicles:edit": "vehicle_a", "vehicles:permit_edit": "permit_a",
    "vehicles:driver": "driver_a", "vehicles:driver_edit": "driver_a",
    "vehicle-detail": "vehicle_a", "vehicle-online": "vehicle_a", "vehicle-reveal": "vehicle_a",
    "vehicle-verification": "vehicle_a", "permit-detail": "permit_a", "permit-revoke": "permit_a",
    "driver-detail": "driver_a", "driver-reveal": "driver_a",
    "onboarding-check-detail": "onboarding_a", "onboarding-check-go-online": "onboarding_a",
    "policies:detail": "policy_a", "policies:edit": "policy_a", "policy-detail": "policy_a",
    "policy-reveal": "policy_a", "coverage-standard-detail": "coverage_standard",
    "coverage-standard-decide": "coverage_standard", "policies:standard-decide": "coverage_standard",
    "policies:endorse": "policy_a", "policies:cancel": "policy_a", "policies:extend": "policy_a",
    "policy-endorse": "policy_a", "policy-cancel": "policy_a", "policy-extend-laid-up": "policy_a",
    "policy-history": "policy_a",
    # leads
    "leads:detail": "lead", "leads:push": "lead", "leads:check-start": "lead", "leads:check": "lead",
    "leads:verify": "lead", "leads:request-check": "lead", "leads:screening-review": "lawful_run",
    "leads:screening-dispatch": "lawful_run", "leads:risk-run-confirm": "risk_run",
    "lead-verify": "lead", "lead-request-check": "lead", "lawful-list-run-dispatch-preview": "lawful_run",
    "lawful-list-run-dispatch-findings": "lawful_run", "risk-run-preview": "risk_run", "risk-run-confirm": "risk_run",
    "leads:dispose": "lead", "leads:attach": "lead", "leads:attachment": "attachment", "leads:penalty": "penalty",
    "leads:worklist-answer": "worklist_a", "leads:screening-run": "lawful_run", "leads:risk-run": "risk_run",
    "lead-detail": "lead", "lead-check": "lead", "lead-check-start": "lead", "lead-dispose": "lead",
    "lead-events": "lead", "lead-worklist-detail": "worklist_a", "lead-worklist-answer": "worklist_a",
    "penalty-detail": "penalty", "lawful-list-run-detail": "lawful_run",
    "screening-finding-detail": "screening_finding", "risk-weights-detail": "risk_weights",
    "risk-run-detail": "risk_run",
    # rescissions
    "rescissions:case": "case_a", "rescissions:notice-send": "case_a", "rescissions:notice-receive": "case_a",
    "rescissions:disclosure": "case_a", "rescissions:decide": "case_a", "rescissions:correct": "case_a",
    "rescissions:path": "case_a", "rescissions:endorse": "case_a", "rescissions:policy-add": "case_a",
    "rescission-case-path": "case_a",
    "rescission-case-detail": "case_a", "rescission-case-correction": "case_a",
    "rescission-case-decision": "case_a", "rescission-case-disclosure": "case_a",
    "rescission-case-endorsement": "case_a",
    "rescission-case-notice-received": "case_a", "rescission-case-notice-sent": "case_a",
    # claims
    "claims-detail": "claim_a", "claims-check-detail": "focused_a", "claim-detail": "claim_a",
    "claim-withdraw": "claim_a", "claims-refusal-notice": "claim_refused_a",
    "focused-check-detail": "focused_a", "focused-check-result": "focused_a",
    # complaints: the 12378 report the regulator forwarded to insurer A
    "complaints:staff_detail": "complaint_12378",
    "complaint-detail": "complaint_12378", "complaint-feedback": "complaint_12378",
    "complaint-forward": "complaint_12378", "complaint-note": "complaint_12378",
    "complaint-resolve": "complaint_12378", "complaint-reveal-contact": "complaint_12378",
    "complaint-to-lead": "complaint_12378", "complaint-verify": "complaint_12378",
    "complaint-extend": "complaint_12378", "complaint-rehandle": "complaint_12378",
    # credit
    "credit:record_correct": "credit_company_a", "credit:action": "action_insurer_a",
    "credit:action_close": "action_insurer_a", "credit:action_decision_pdf": "action_insurer_a",
    "credit-record-detail": "credit_company_a",
    "credit-record-correct": "credit_company_a", "supervisory-action-detail": "action_insurer_a",
    "supervisory-action-close": "action_insurer_a",
    "credit:proposal": "proposal_a", "credit:proposal_decide": "proposal_a", "credit-proposal-detail": "proposal_a",
    "credit-proposal-decide": "proposal_a", "credit:urging_item": "urging_a", "credit:urging_record": "urging_a",
    "credit:urging_close": "urging_a", "urging-item-detail": "urging_a", "urging-item-record": "urging_a",
    "urging-item-close": "urging_a",
    # joint inspections and training (M17, M2): insurer A notified, company A's finding not yet notified
    "inspections:detail": "inspection", "inspections:finding": "inspection",
    "inspections:notice-issue": "finding_company_a", "inspections:notice": "inspection_notice_a",
    "inspections:notice-print": "inspection_notice_a", "inspections:notice-pdf": "inspection_notice_a",
    "inspections:notice-report": "inspection_notice_a", "inspections:notice-close": "inspection_notice_a",
    "inspections:training": "training", "inspection-detail": "inspection", "inspection-findings": "inspection",
    "inspection-notice-detail": "inspection_notice_a", "training-detail": "training",
    # parties and the kernel
    "deadline-detail": "deadline_a",
    # ride-hailing data: company A's vehicle-day
    "ridehailing-vehicleday-detail": "rh_vehicleday_a",
}

_EXTRA = {
    "import-template": lambda w: {"kind": "vehicles"},
    "vehicles:reveal": lambda w: {"pk": w.vehicle_a.pk, "field": "owner_id_no"},
    "vehicles:driver_reveal": lambda w: {"pk": w.driver_a.pk, "field": "id_no"},
    "policies:reveal": lambda w: {"pk": w.policy_a.pk, "field": "policyholder_name"},
    "policies:endorsement-pdf": lambda w: {"pk": w.policy_a3.pk, "endorsement_pk": w.endorsement_a.pk},
    "policy-endorsement-pdf": lambda w: {"pk": w.policy_a3.pk, "endorsement_id": w.endorsement_a.pk},
    "pending-document-pdf": lambda w: {"pk": MISSING},  # no party of the world signs with its own key
    "pending-document-signed": lambda w: {"pk": MISSING},
    "rescissions:notice": lambda w: {"pk": w.case_a.pk, "kind": "disclosure_request"},
    "rescissions:notice-pdf": lambda w: {"pk": w.case_a.pk, "notice_pk": w.notice_a.pk},
    "rescission-case-notice-pdf": lambda w: {"pk": w.case_a.pk, "notice_id": w.notice_a.pk},
    "claims-action": lambda w: {"pk": w.claim_a.pk, "action": "dispatch"},
    "complaints:staff_photo": lambda w: {"pk": w.complaint_12328.pk, "photo_pk": w.complaint_photo.pk},
    "complaints:staff_action": lambda w: {"pk": w.complaint_12378.pk, "op": "note"},
    "credit:file": lambda w: {"kind": "org", "pk": w.orgs["company_a"].pk},
    "credit-record-file": lambda w: {"kind": "taxi_company", "subject_id": w.orgs["company_a"].pk},
    "organization-detail": lambda w: {"pk": w.orgs["insurer_a"].pk},
    "user-detail": lambda w: {"pk": w.users["insurer_a"].pk},
    "exchange-key-detail": lambda w: {"key_id": w.key_a.key_id},
    "exchange-key-revoke": lambda w: {"key_id": w.key_a.key_id},
    "dashboard:chart-csv": lambda w: {"key": "rescissions"},
    "api-dashboard-chart": lambda w: {"key": "rescissions"},
    "ridehailing:delivery": lambda w: {"number": w.rh_delivery_a.number},
    "ridehailing-delivery-detail": lambda w: {"number": w.rh_delivery_a.number},
    "ridehailing-delivery-records": lambda w: {"number": w.rh_delivery_a.number},
    "ridehailing-records": lambda w: {"interface": "baseInfoVehicle"},
}

# URLs whose path names one object by its id (``pk``)
ID_URLS = set(_PK) | {name for name in _EXTRA if name not in ("import-template", "dashboard:chart-csv", "api-dashboard-chart",
                                                              "credit-record-file", "exchange-key-detail", "exchange-key-revoke",
                                                              "ridehailing-records")}
