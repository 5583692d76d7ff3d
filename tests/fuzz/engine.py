"""API fuzzing with schemathesis against ``/api/schema/``: every operation, a user of each role (API key auth),
positive and negative examples, with real object ids mixed into the path parameters.

Checks on every response: no 5xx, the content type and (for documented statuses) the body conform to the schema,
and no leak — an object created for another party (ids recorded by the world) whose audience excludes the
caller (``apps.parties.access``) never shows up in the body (its distinctive number or name is searched for).

Used by the bounded pytest test (in-process WSGI, every example rolled back) and by ``make fuzz`` (a live
server on a throwaway database, many more examples).
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

FUZZ_ROLES = ("transport", "regulator", "ins_assoc", "taxi_assoc", "company_a", "company_b", "insurer_a", "insurer_b")

# path prefix under /api/v1/ → world attributes whose ids fill its {id}
REAL_IDS = {
    "vehicles": ("vehicle_a", "vehicle_b"), "permits": ("permit_a", "permit_b"), "drivers": ("driver_a", "driver_b"),
    "onboarding-checks": ("onboarding_a", "onboarding_b"), "policies": ("policy_a", "policy_b"),
    "coverage-standards": ("coverage_standard",), "leads": ("lead", "lead_company"),
    "lead-worklist": ("worklist_a",), "penalties": ("penalty",), "lawful-list-runs": ("lawful_run",),
    "screening-findings": ("screening_finding",), "risk-weights": ("risk_weights",), "risk-runs": ("risk_run",),
    "rescission-cases": ("case_a", "case_b"), "claims": ("claim_a", "claim_b"),
    "focused-checks": ("focused_a", "focused_b"), "complaints": ("complaint_12328", "complaint_12378"),
    "credit-records": ("credit_company_a", "credit_vehicle_a"),
    "supervisory-actions": ("action_insurer_a", "action_company_b"), "batches": ("batch_a", "batch_b"),
    "batch-events": ("batch_event_a", "batch_event_b"), "deadlines": ("deadline_a", "deadline_b"),
    "imports": ("import_a",), "underwriting": ("policy_a", "policy_b"),
}


def markers(world) -> list[tuple[type, int, str]]:
    """(model, id, text) of party-owned objects: the text is what would betray the object in a body."""
    w = world
    rows = [
        (w.policy_a, w.policy_a.number), (w.policy_a2, w.policy_a2.number), (w.policy_b, w.policy_b.number),
        (w.policy_b2, w.policy_b2.number), (w.case_a, w.case_a.number), (w.case_b, w.case_b.number),
        (w.claim_a, w.claim_a.number), (w.claim_b, w.claim_b.number),
        (w.driver_a, w.driver_a.qualification_no), (w.driver_b, w.driver_b.qualification_no),
        (w.action_insurer_a, w.action_insurer_a.reference_no), (w.complaint_12378, w.complaint_12378.tracking_no),
        (w.complaint_12328, w.complaint_12328.tracking_no), (w.import_a, w.import_a.file_sha256),
    ]
    return [(type(obj), obj.pk, text) for obj, text in rows if text]


@dataclasses.dataclass
class Failure:
    operation: str
    role: str
    message: str
    kind: str = "check"  # server_error | content_type | schema | leak | budget | check
    summary: str = ""


def classify(message: str) -> tuple[str, str]:
    """The kind of a schemathesis failure and a stable one-line summary of it (data values left out)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    kind, summary = "check", lines[0] if lines else ""
    for i, line in enumerate(lines):
        if "Server error" in line or "ST100" in line or "Server Error" in line:
            return "server_error", line
        if "Undocumented Content-Type" in line or "Malformed media type" in line:
            return "content_type", line
        if "violates schema" in line:
            detail = lines[i + 1] if i + 1 < len(lines) else ""
            detail = re.sub(r"^[\[{].* is not of type", "<value> is not of type", detail)
            return "schema", detail
    return kind, summary


@dataclasses.dataclass
class Run:
    operations: int = 0
    requests: int = 0
    statuses: dict = dataclasses.field(default_factory=dict)
    failures: list[Failure] = dataclasses.field(default_factory=list)


def api_keys(world) -> dict[str, str]:
    """A system user with an API key for each fuzzed role (``Authorization: Api-Key …``)."""
    from apps.parties.services import api_key_create, user_create

    keys = {}
    for role in FUZZ_ROLES:
        system = user_create(organization=world.orgs[role], username=f"fuzz_{role}_{world.orgs[role].pk}",
                             password=None, is_system=True, actor=world.users["admin"])
        _key, keys[role] = api_key_create(user=system, name=f"fuzz {role}", actor=world.users["admin"])
    return keys


def forbidden_markers(world) -> dict[str, list[str]]:
    """Per role, the texts of the objects outside its audience (decided by the access module alone)."""
    from apps.leads.models import Lead
    from apps.parties import access
    from apps.policies.models import Policy
    from apps.rescissions.models import RescissionCase

    result = {}
    for role in FUZZ_ROLES:
        user = world.users[role]
        # Disclosed by design, beside the audience rules:
        # rule M9 — a taxi company's onboarding check of its own vehicle shows the policies covering it;
        # rule M4 — the closed loop reports back on a confirmed lead's trail which case the insurer opened (the
        # signed receipt's case reference), to whoever sees that lead.
        own_vehicle_policies = set(Policy.objects.filter(vehicle__company=user.organization).values_list("pk", flat=True))
        leads_seen = {lead.reference for lead in access.visible(user, Lead)}
        reported_cases = set(RescissionCase.objects.filter(trigger="lead_confirmed", trigger_ref__in=leads_seen)
                             .values_list("pk", flat=True))
        result[role] = [text for model, pk, text in markers(world)
                        if not access.visible(user, model).filter(pk=pk).exists()
                        and not (model is Policy and pk in own_vehicle_policies)
                        and not (model is RescissionCase and pk in reported_cases)]
    return result


def _real_path_ids(operation, world) -> list[dict]:
    path = operation.path
    if "/api/v1/" not in path or "{" not in path:
        return []
    prefix = path.split("/api/v1/")[1].split("/")[0]
    params = [p.split("}")[0] for p in path.split("{")[1:]]
    values = []
    for attr in REAL_IDS.get(prefix, ()):
        obj = getattr(world, attr, None)
        if obj is None:
            continue
        value = str(obj.pk)
        if "id" in params or "pk" in params:
            values.append({"id" if "id" in params else "pk": value})
    if "key_id" in params:
        values += [{"key_id": world.key_a.key_id}, {"key_id": world.key_b.key_id}]
    return values


def fuzz(schema, world, keys: dict[str, str], *, examples: int, call: Callable, budget_seconds: float,
         seed_derandomize: bool = True, skip: Callable[[object], bool] | None = None) -> Run:
    """Fuzz every operation of ``schema``; ``call(case, headers)`` sends a case and returns the response."""
    run = Run()
    forbidden = forbidden_markers(world)
    checks = [not_a_server_error, content_type_conformance, response_schema_conformance]
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    per_operation = budget_seconds / max(len(operations), 1)
    for operation in operations:
        if skip is not None and skip(operation):
            continue
        run.operations += 1
        label = f"{operation.method.upper()} {operation.path}"
        strategies = [operation.as_strategy(), operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE)]
        strategies += [operation.as_strategy(path_parameters=ids) for ids in _real_path_ids(operation, world)]
        op_started = time.monotonic()

        @settings(max_examples=examples, deadline=None, database=None, derandomize=seed_derandomize,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate], print_blob=False)
        @given(case=st.one_of(strategies), role=st.sampled_from(FUZZ_ROLES))
        def one(case, role):
            if time.monotonic() - op_started > per_operation * 3:  # noqa: B023 - called at once
                return  # this operation has had its share of the time budget
            headers = {"Authorization": f"Api-Key {keys[role]}"}
            response = call(case, headers)
            run.requests += 1
            run.statuses[response.status_code] = run.statuses.get(response.status_code, 0) + 1
            try:
                case.validate_response(response, checks=checks, headers=headers)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - a failed check: collected, reported
                kind, summary = classify(str(exc))
                run.failures.append(Failure(label, role, str(exc)[:3000], kind, summary))  # noqa: B023
            body = response.text if hasattr(response, "text") else response.content.decode(errors="replace")
            leaked = [text for text in forbidden[role] if text in body]
            if leaked:
                run.failures.append(Failure(label, role, f"LEAK: {leaked} in {body[:500]}", "leak",  # noqa: B023
                                            str(leaked)))

        one()
        if time.monotonic() - started > budget_seconds * 1.5:
            run.failures.append(Failure("(all)", "-", f"time budget exceeded after {run.operations} operations",
                                        "budget", "time budget exceeded"))
            break
    return run


def report(run: Run, failures: list[Failure] | None = None, *, full: bool = True) -> str:
    failures = run.failures if failures is None else failures
    lines = [f"{run.operations} operations, {run.requests} requests, statuses {dict(sorted(run.statuses.items()))}"]
    seen = set()
    for failure in failures:
        key = (failure.operation, failure.kind, failure.summary)
        if key in seen:
            continue
        seen.add(key)
        lines.append(f"- [{failure.kind}] {failure.operation} as {failure.role}: {failure.summary}")
        if full:
            lines.append(failure.message)
    return "\n".join(lines)
