"""Every URL of the URL conf × every role → the status the design gives it (rule M2: each party sees its own;
DESIGN.md: a user outside an object's audience gets 404, not 403).

The table below is the reviewed answer, one row per URL name, one column per role (``world.ROLES``):

    anon  nobody logged in          tran  transport bureau         regu  insurance regulator
    inas  insurance association     txas  taxi association         cmpA  taxi company A
    cmpB  taxi company B            insA  insurer A                insB  insurer B
    admn  platform administrator

Path parameters name party A's objects (company A's vehicle and driver, insurer A's policy, case, claim, the
12378 report the regulator forwarded to insurer A …; see params.py), so column cmpB / insB shows that the other
company / insurer is refused. Tokens: ``L`` = redirected to the login page, a number = the status, ``*`` = the
request wrote an audit event (it changed something, or revealed audited personal data). ``POST`` rows send an
empty form: an allowed role gets its validation answer (400: the page shown again with the form bound, or a
302 back to the page with a message for a bare button; ``apps.core.actions.form_action``) and changes nothing
unless starred (a reveal without a reason is such a validation answer: 400, nothing revealed or
audited); a refused role gets 403/404 — or 400 where the input is checked before the
role, the service checking the role again (PermissionDeniedError) before anything is written; a form that is
valid empty gets the service's answer on the page (403 not this role's action, 409 not in this state).

Public without an account: the sign-in page, the 12328/12378 report and status pages and their API (M16),
the language switch, and the API description (``api-schema``/``api-docs``, no data); an unknown path under
/api/v1/ answers 404 in the API's error shape to everyone. Everything else refuses an anonymous visitor
(pages → login, API → 401). Unnamed patterns are listed by their route (``route:<regex>``).

A URL without a row fails ``test_every_url_has_a_row``: nobody adds an unguarded page by accident.
"""

from __future__ import annotations

import pytest

from .observe import ask, clients, inline_code, post_forms, script_src, token
from .params import ID_URLS, MISSING, url_for, url_kwargs
from .urlwalk import all_patterns
from .world import ROLES

# fmt: off
TABLE: dict[str, tuple[str, str]] = {
    #                                             anon tran regu inas txas cmpA cmpB insA insB admn
    # --- Sign-in, home, the kernel's pages (clocks due, notifications) and bulk imports ----------------------
    "home":                             ("GET",  "L    200  200  200  200  200  200  200  200  200"),
    "login":                            ("GET",  "200  302  302  302  302  302  302  302  302  302"),
    "logout":                           ("POST", "L    L    L    L    L    L    L    L    L    L"),
    "deadlines-due":                    ("GET",  "L    200  200  200  200  200  200  200  200  200"),
    "notifications":                    ("GET",  "L    200  200  200  200  200  200  200  200  200"),
    "notifications-read":               ("POST", "L    302  302  302  302  302  302  302  302  302"),
    "import-list":                      ("GET",  "L    200  404  404  404  200  200  200  200  200"),
    "import-upload":                    ("POST", "L    400  404  404  404  400  400  400  400  400"),
    "import-detail":                    ("GET",  "L    404  404  404  404  200  404  404  404  200"),
    "import-start":                     ("POST", "L    404  404  404  404  302  404  404  404  302"),
    "import-discard":                   ("POST", "L    404  404  404  404  302* 404  404  404  302"),
    "import-progress":                  ("GET",  "L    404  404  404  404  200  404  404  404  200"),
    "import-errors":                    ("GET",  "L    404  404  404  404  200  404  404  404  200"),
    "import-template":                  ("GET",  "L    200  404  404  404  200  200  404  404  200"),
    "api-import-list":                  ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "api-import-detail":                ("GET",  "401  404  404  404  404  200  404  404  404  200"),
    "api-import-start":                 ("POST", "401  404  404  404  404  400  404  404  404  403"),
    "api-import-discard":               ("POST", "401  404  404  404  404  200* 404  404  404  403"),
    "set_language":                     ("GET",  "302  302  302  302  302  302  302  302  302  302"),
    "favicon":                          ("GET",  "301  301  301  301  301  301  301  301  301  301"),
    # --- Premium calculators and underwriting checks (policies app, mounted beside the kernel) ---------------
    "api-premium-compulsory":           ("POST", "401  400  400  400  400  400  400  400  400  400"),
    "api-premium-carrier":              ("POST", "401  400  400  400  400  400  400  400  400  400"),
    "api-premium-commercial":           ("POST", "401  400  400  400  400  400  400  400  400  400"),
    "api-underwriting-list":            ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "api-underwriting-policy":          ("GET",  "401  200  200  200  404  404  404  200  404  200"),
    # --- Exchange pages --------------------------------------------------------------------------------------
    "exchange-batch-list":              ("GET",  "L    200  200  200  200  200  200  200  200  200"),
    "exchange-batch-detail":            ("GET",  "L    404  200  404  404  404  404  200  404  200"),
    "exchange-batch-archive":           ("GET",  "L    404  200* 404  404  404  404  200* 404  200*"),
    "exchange-batch-retry":             ("POST", "L    404  302  404  404  404  404  302  404  302"),
    "exchange-document-verify":         ("POST", "L    200  200  200  200  200  200  200  200  200"),
    "exchange-document-ca":             ("GET",  "L    200  200  200  200  200  200  200  200  200"),
    # --- Registers: vehicles, permits, drivers, onboarding (M9) ----------------------------------------------
    "vehicles:list":                    ("GET",  "L    200  200  200  200  200  200  200  200  200"),
    "vehicles:create":                  ("GET",  "L    200  403  403  403  200  200  403  403  200"),
    "vehicles:detail":                  ("GET",  "L    200  200  200  200  200  404  200  404  200"),
    "vehicles:edit":                    ("GET",  "L    200  403  403  403  200  404  403  404  200"),
    "vehicles:reveal":                  ("POST", "L    400  400  403  403  400  404  403  404  400"),
    "vehicles:online":                  ("POST", "L    404  404  404  404  404  404  404  404  404"),
    "vehicles:permits":                 ("GET",  "L    200  200  200  200  200  200  200  200  200"),
    "vehicles:permit_create":           ("GET",  "L    200  403  403  403  403  403  403  403  200"),
    "vehicles:permit_edit":             ("GET",  "L    200  403  403  403  403  404  403  404  200"),
    "vehicles:drivers":                 ("GET",  "L    200  200  200  200  200  200  403  403  200"),
    "vehicles:driver_create":           ("GET",  "L    403  403  403  403  200  200  403  403  200"),
    "vehicles:driver":                  ("GET",  "L    200  200  200  200  200  404  403  403  200"),
    "vehicles:driver_edit":             ("GET",  "L    403  403  403  403  200  404  404  404  200"),
    "vehicles:driver_reveal":           ("POST", "L    400  400  403  403  400  404  404  404  400"),
    "vehicles:onboarding":              ("GET",  "L    404  404  404  404  200  200  404  404  200"),
    "vehicles:worklist":                ("GET",  "L    404  404  404  404  200  200  404  404  200"),
    # --- Registers: policies (M10, M11) ----------------------------------------------------------------------
    "policies:list":                    ("GET",  "L    200  200  200  403  403  403  200  200  200"),
    "policies:create":                  ("GET",  "L    403  403  403  403  403  403  200  200  200"),
    "policies:detail":                  ("GET",  "L    200  200  200  403  403  403  200  404  200"),
    "policies:edit":                    ("GET",  "L    403  403  403  404  404  404  200  404  200"),
    "policies:reveal":                  ("POST", "L    400  400  403  404  404  404  400  404  400"),
    "policies:endorse":                 ("GET",  "L    403  403  403  404  404  404  200  404  200"),
    "policies:cancel":                  ("GET",  "L    403  403  403  404  404  404  200  404  200"),
    "policies:endorsement-pdf":         ("GET",  "L    200* 200* 404  403  403  403  200* 404  200*"),  # J8, M3
    "policies:extend":                  ("GET",  "L    403  403  403  404  404  404  200  404  200"),
    "policies:standard":                ("GET",  "L    200  200  200  200  200  200  200  200  200"),
    "policies:standard-decide":         ("POST", "L    403  403  302  302  403  403  403  403  302"),
    "policies:calculator":              ("GET",  "L    200  200  200  200  200  200  200  200  200"),
    "policies:underwriting":            ("GET",  "L    403  200  200  403  403  403  200  200  200"),
    # --- Leads, penalties, worklists, screening, risk model (M4–M8) ------------------------------------------
    "leads:inbox":                      ("GET",  "L    200  200  200  403  200  200  403  403  200"),
    "leads:outbox":                     ("GET",  "L    200  200  200  403  200  200  403  403  200"),
    "leads:bulk":                       ("POST", "L    302  302  302  302  302  302  302  302  302"),
    "leads:flag":                       ("GET",  "L    200  403  403  403  403  403  403  403  403"),
    "leads:upload":                     ("GET",  "L    200  403  403  403  403  403  403  403  403"),
    "leads:report":                     ("GET",  "L    403  403  403  403  200  200  403  403  403"),
    "leads:detail":                     ("GET",  "L    200  200  200  404  404  404  404  404  200"),
    "leads:push":                       ("POST", "L    302  302  302  404  404  404  404  404  302"),
    "leads:verify":                     ("POST", "L    403  409  403  404  404  404  404  404  403"),
    "leads:request-check":              ("POST", "L    400  400  400  404  404  404  404  404  400"),
    "leads:check-start":                ("POST", "L    302  302  302  404  404  404  404  404  302"),
    "leads:check":                      ("POST", "L    400  400  400  404  404  404  404  404  400"),
    "leads:dispose":                    ("POST", "L    409  403  403  404  404  404  404  404  403"),
    "leads:attach":                     ("POST", "L    400  400  400  404  404  404  404  404  400"),
    "leads:attachment":                 ("GET",  "L    200  200  200  404  404  404  404  404  200"),
    "leads:penalties":                  ("GET",  "L    200  200  200  200  200  200  200  200  200"),
    "leads:penalty-new":                ("GET",  "L    200  403  403  403  403  403  403  403  200"),
    "leads:penalty":                    ("GET",  "L    200  200  200  200  200  404  200  404  200"),
    "leads:worklist":                   ("GET",  "L    200  200  200  403  403  403  200  200  200"),
    "leads:worklist-answer":            ("POST", "L    302  302  302  404  404  404  302  404  302"),
    "leads:screening":                  ("GET",  "L    200  200  200  403  403  403  403  403  200"),
    "leads:screening-push":             ("POST", "L    302* 403  403  403  403  403  403  403  302"),
    "leads:screening-run":              ("GET",  "L    200  200  200  403  403  403  403  403  200"),
    "leads:screening-review":           ("POST", "L    302  302  302  403  403  403  403  403  302"),
    "leads:screening-dispatch":         ("POST", "L    302  302  302  403  403  403  403  403  302"),
    "leads:risk":                       ("GET",  "L    403  200  200  403  403  403  403  403  200"),
    "leads:risk-run-now":               ("POST", "L    403  403  302* 403  403  403  403  403  302"),
    "leads:risk-run":                   ("GET",  "L    403  200  200  403  403  403  403  403  200"),
    "leads:risk-run-confirm":           ("POST", "L    403  302  302  403  403  403  403  403  302"),
    # --- Rescissions (M12, J5) -------------------------------------------------------------------------------
    "rescissions:list":                 ("GET",  "L    403  200  200  403  403  403  200  200  200"),
    "rescissions:open":                 ("GET",  "L    403  403  403  403  403  403  200  200  404"),
    "rescissions:compliance":           ("GET",  "L    403  200  200  403  403  403  404  404  200"),
    "rescissions:case":                 ("GET",  "L    403  200  200  403  403  403  200  404  200"),
    "rescissions:notice-send":          ("POST", "L    404  400  400  404  404  404  400  404  400"),
    "rescissions:notice-receive":       ("POST", "L    404  403  403  404  404  404  302* 404  403"),
    "rescissions:disclosure":           ("POST", "L    404  403  403  404  404  404  409  404  403"),
    "rescissions:decide":               ("POST", "L    404  400  400  404  404  404  400  404  400"),
    "rescissions:correct":              ("POST", "L    404  400  400  404  404  404  400  404  400"),
    "rescissions:path":                 ("POST", "L    404  400  400  404  404  404  400  404  400"),
    "rescissions:endorse":              ("POST", "L    404  400  400  404  404  404  400  404  400"),
    "rescissions:policy-add":           ("POST", "L    404  400  400  404  404  404  400  404  400"),
    "rescissions:notice":               ("GET",  "L    403  200* 200  403  403  403  200* 404  200*"),
    "rescissions:notice-pdf":           ("GET",  "L    403  200* 404  403  403  403  200* 404  200*"),
    # --- Claims (M13, M14) -----------------------------------------------------------------------------------
    "claims-list":                      ("GET",  "L    403  200  200  403  403  403  200  200  200"),
    "claims-create":                    ("GET",  "L    403  403  403  403  403  403  200  200  403"),
    "claims-detail":                    ("GET",  "L    403  200  200  403  403  403  200  404  200"),
    "claims-action":                    ("POST", "L    403  403  403  403  403  403  400  404  400"),
    "claims-refusal-notice":            ("GET",  "L    403  200* 404  403  403  403  200* 404  200*"),  # J11, M3
    "claims-sla":                       ("GET",  "L    403  200  200  200  403  403  200  200  200"),
    "claims-sla-breaches":              ("GET",  "L    403  200  200  403  403  403  200  200  200"),
    "claims-analytics":                 ("GET",  "L    200  200  200  200  403  403  403  403  200"),
    "claims-thresholds-update":         ("POST", "L    302  302  302  302  302  302  302  302  302"),
    "claims-analytics-run":             ("POST", "L    302  302  302* 302  302  302  302  302  302*"),
    "claims-checks":                    ("GET",  "L    200  200  200  200  200  200  403  403  200"),
    "claims-check-detail":              ("GET",  "L    200  200  200  200  200  404  403  403  200"),
    # --- Complaints (M16): the public pages are the only ones open without an account ------------------------
    "complaints:report":                ("GET",  "200  200  200  200  200  200  200  200  200  200"),
    "complaints:report_done":           ("GET",  "302  302  302  302  302  302  302  302  302  302"),
    "complaints:status":                ("GET",  "200  200  200  200  200  200  200  200  200  200"),
    "complaints:staff_list":            ("GET",  "L    200  200  404  404  404  404  200  200  200"),
    "complaints:staff_new":             ("GET",  "L    200  200  404  404  404  404  404  404  404"),
    "complaints:staff_detail":          ("GET",  "L    404  200  404  404  404  404  200  404  200"),
    "complaints:staff_photo":           ("GET",  "L    200  404  404  404  404  404  404  404  200"),
    "complaints:staff_action":          ("POST", "L    404  400  404  404  404  404  400  404  400"),
    # --- Credit file and supervisory actions (M14, M15, M17) -------------------------------------------------
    "credit:index":                     ("GET",  "L    200  200  200  200  302  302  302  302  200"),
    "credit:file":                      ("GET",  "L    200  200  200  200  200  404  404  404  200"),
    "credit:record_add":                ("GET",  "L    404  404  200  200  404  404  404  404  404"),
    "credit:record_correct":            ("GET",  "L    404  404  404  200  404  404  404  404  404"),  # company: taxi assoc (M2)
    "credit:actions":                   ("GET",  "L    200  200  200  200  200  200  200  200  200"),
    "credit:action_new":                ("GET",  "L    200  200  200  200  404  404  404  404  404"),
    "credit:action":                    ("GET",  "L    200  200  200  404  404  404  200  404  200"),
    "credit:action_close":              ("POST", "L    400  400  400  404  404  404  400  404  400"),
    "credit:action_decision_pdf":       ("GET",  "L    200  200  200  404  404  404  200  404  200"),  # M15
    # rule M2: parties propose, the competent association decides; rule M12/M17: the insurance association urges
    "credit:proposals":                 ("GET",  "L    200  200  200  200  200  200  200  200  200"),
    "credit:proposal":                  ("GET",  "L    200  200  200  404  200  404  404  404  200"),
    "credit:proposal_decide":           ("POST", "L    400  400  400  404  400  404  404  404  400"),
    "credit:urging":                    ("GET",  "L    404  200  200  404  404  404  200  200  200"),
    "credit:urging_item":               ("GET",  "L    404  200  200  404  404  404  200  404  200"),
    "credit:urging_record":             ("POST", "L    404  400  400  404  404  404  400  404  400"),
    "credit:urging_close":              ("POST", "L    404  400  400  404  404  404  400  404  400"),
    # --- Joint inspections, notices of problems found and training (M17, M2) ---------------------------------
    "inspections:list":                 ("GET",  "L    200  200  200  200  200  200  200  200  200"),
    "inspections:create":               ("GET",  "L    200  200  200  200  403  403  403  403  200"),
    "inspections:detail":               ("GET",  "L    200  200  200  200  200  404  200  404  200"),
    "inspections:finding":              ("POST", "L    400  400  400  400  403  404  403  404  403"),
    "inspections:notice-issue":         ("POST", "L    403  403  403  400  403  404  404  404  403"),
    "inspections:notices":              ("GET",  "L    200  200  200  200  200  200  200  200  200"),
    "inspections:notice":               ("GET",  "L    200  200  200  200  404  404  200  404  200"),
    "inspections:notice-print":         ("GET",  "L    200  200  200  200  404  404  200  404  200"),
    "inspections:notice-pdf":           ("GET",  "L    200  200  200  200  404  404  200  404  200"),
    "inspections:notice-report":        ("POST", "L    403  403  403  403  404  404  400  404  403"),
    "inspections:notice-close":         ("POST", "L    403  403  400  403  404  404  403  404  403"),
    "inspections:trainings":            ("GET",  "L    200  200  200  200  200  200  403  403  200"),
    "inspections:training-create":      ("GET",  "L    403  403  403  200  403  403  403  403  200"),
    "inspections:training":             ("GET",  "L    200  200  200  200  200  404  403  403  200"),
    # --- Dashboards and the joint report (M17) ---------------------------------------------------------------
    "dashboard:charts":                 ("GET",  "L    200  200  200  200  200  200  200  200  200"),
    "dashboard:chart-csv":              ("GET",  "L    404  200* 200* 404  404  404  200* 200* 200*"),
    "dashboard:deadlines":              ("GET",  "L    200  200  200  200  200  200  200  200  200"),
    "dashboard:report":                 ("GET",  "L    200  200  200  404  404  404  404  404  200"),
    "dashboard:report-pdf":             ("GET",  "L    200* 200* 200* 404  404  404  404  404  200*"),
    "dashboard:report-xlsx":            ("GET",  "L    200* 200* 200* 404  404  404  404  404  200*"),
    # --- API v1 (anonymous: 401) -----------------------------------------------------------------------------
    "api-me":                           ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "organization-list":                ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "organization-detail":              ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "user-list":                        ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "user-detail":                      ("GET",  "401  404  404  404  404  404  404  200  404  200"),
    "deadline-list":                    ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "deadline-detail":                  ("GET",  "401  404  200  200  404  404  404  200  404  200"),
    "deadline-due":                     ("GET",  "401  400  400  400  400  400  400  400  400  400"),
    "notification-list":                ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "batch-list":                       ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "batch-detail":                     ("GET",  "401  404  200  404  404  404  404  200  404  200"),
    "batch-archive":                    ("GET",  "401  404  200* 404  404  404  404  200* 404  200*"),
    "batch-events":                     ("GET",  "401  404  200  404  404  404  404  200  404  200"),
    "batch-event-list":                 ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "batch-event-detail":               ("GET",  "401  404  200  404  404  404  404  200  404  200"),
    "signed-document-verify":           ("POST", "401  400  400  400  400  400  400  400  400  400"),
    # a party that holds its own key signs its documents itself: only its own keys and documents (issue 19)
    "document-keys":                    ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "pending-documents":                ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "pending-document-pdf":             ("GET",  "401  404  404  404  404  404  404  404  404  404"),
    "pending-document-signed":          ("POST", "401  404  404  404  404  404  404  404  404  404"),
    "exchange-key-list":                ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "exchange-key-detail":              ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    # a party's own keys and signatures (apps/exchange/ownkeys.py): only the party's own users, never the platform
    "exchange-key-registry":            ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "exchange-key-challenge":           ("POST", "401  201* 201* 201* 201* 201* 201* 201* 201* 201*"),
    "exchange-key-revoke":              ("POST", "401  403  403  403  403  403  403  400  403  400"),
    "batch-receipt-to-sign":            ("GET",  "401  404  403  404  404  404  404  409  404  403"),
    "batch-receipt-signature":          ("POST", "401  404  403  404  404  404  404  400  404  403"),
    "batch-to-sign":                    ("GET",  "401  404  409  404  404  404  404  403  404  403"),
    "batch-signature":                  ("POST", "401  404  400  404  404  404  404  403  404  403"),
    "vehicle-list":                     ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "vehicle-worklist":                 ("GET",  "401  403  403  403  403  200  200  403  403  403"),
    "vehicle-detail":                   ("GET",  "401  200  200  200  200  200  404  200  404  200"),
    "vehicle-online":                   ("POST", "401  200  403  403  403  200  404  403  404  200"),
    "vehicle-reveal":                   ("POST", "401  400  400  400  400  400  404  400  404  400"),
    "vehicle-verification":             ("GET",  "401  200  200  200  200  200  404  200  404  200"),
    "permit-list":                      ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "permit-detail":                    ("GET",  "401  200  200  200  200  200  404  200  404  200"),
    "permit-revoke":                    ("POST", "401  200* 403  403  403  403  404  403  404  200*"),
    "driver-list":                      ("GET",  "401  200  200  200  200  200  200  403  403  200"),
    "driver-detail":                    ("GET",  "401  200  200  200  200  200  404  403  403  200"),
    "driver-reveal":                    ("POST", "401  400  400  400  400  400  404  404  404  400"),
    "onboarding-check-list":            ("GET",  "401  200  200  200  403  200  200  403  403  200"),
    "onboarding-check-detail":          ("GET",  "401  200  200  200  403  200  404  403  403  200"),
    "onboarding-check-go-online":       ("POST", "401  403  403  403  403  200* 404  403  403  200*"),
    "policy-list":                      ("GET",  "401  200  200  200  403  403  403  200  200  200"),
    "policy-batch":                     ("POST", "401  403  403  403  403  403  403  400  400  400"),
    "policy-detail":                    ("GET",  "401  200  200  200  403  403  403  200  404  200"),
    "policy-reveal":                    ("POST", "401  400  400  400  404  404  404  400  404  400"),
    "policy-endorse":                   ("POST", "401  403  403  403  403  403  403  400  404  400"),
    "policy-cancel":                    ("POST", "401  403  403  403  403  403  403  400  404  400"),
    "policy-extend-laid-up":            ("POST", "401  403  403  403  403  403  403  400  404  400"),
    "policy-history":                   ("GET",  "401  200  200  200  403  403  403  200  404  200"),
    "policy-endorsement-pdf":           ("GET",  "401  200* 200* 404  403  403  403  200* 404  200*"),  # J8, M3
    "coverage-standard-list":           ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "coverage-standard-in-force":       ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "coverage-standard-detail":         ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "coverage-standard-decide":         ("POST", "401  403  403  409  409  403  403  403  403  403"),
    "lead-list":                        ("GET",  "401  200  200  200  403  200  200  403  403  200"),
    "lead-flag":                        ("POST", "401  400  400  400  400  400  400  400  400  400"),
    "lead-from-complaint":              ("POST", "401  400  400  400  400  400  400  400  400  400"),
    "lead-push":                        ("POST", "401  400  400  400  400  400  400  400  400  400"),
    "lead-report":                      ("POST", "401  400  400  400  400  400  400  400  400  400"),
    "lead-detail":                      ("GET",  "401  200  200  200  403  404  404  403  403  200"),
    "lead-check":                       ("POST", "401  400  400  400  404  404  404  404  404  400"),
    "lead-verify":                      ("POST", "401  403  409  403  404  404  404  404  404  403"),
    "lead-request-check":               ("POST", "401  400  400  400  404  404  404  404  404  400"),
    "lead-check-start":                 ("POST", "401  409  403  403  404  404  404  404  404  403"),
    "lead-dispose":                     ("POST", "401  409  403  403  404  404  404  404  404  403"),
    "lead-events":                      ("GET",  "401  200  200  200  403  404  404  403  403  200"),
    "lead-worklist-list":               ("GET",  "401  200  200  200  403  403  403  200  200  200"),
    "lead-worklist-detail":             ("GET",  "401  200  200  200  403  403  403  200  404  200"),
    "lead-worklist-answer":             ("POST", "401  400  400  400  404  404  404  400  404  400"),
    "penalty-list":                     ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "penalty-detail":                   ("GET",  "401  200  200  200  200  200  404  200  404  200"),
    "lawful-list-run-list":             ("GET",  "401  200  200  200  403  403  403  403  403  200"),
    "lawful-list-run-push":             ("POST", "401  201* 403  403  403  403  403  403  403  403"),
    "lawful-list-run-detail":           ("GET",  "401  200  200  200  403  403  403  403  403  200"),
    "lawful-list-run-dispatch-preview": ("GET",  "401  403  200  403  403  403  403  403  403  403"),
    "lawful-list-run-dispatch-findings": ("POST", "401  400  400  400  404  404  404  404  404  400"),
    "screening-finding-list":           ("GET",  "401  200  200  200  403  403  403  200  200  200"),
    "screening-finding-detail":         ("GET",  "401  200  200  200  403  403  403  404  200  200"),
    "screening-finding-review":         ("POST", "401  400  400  400  400  400  400  400  400  400"),
    "risk-weights-list":                ("GET",  "401  403  200  200  403  403  403  403  403  200"),
    "risk-weights-detail":              ("GET",  "401  403  200  200  403  403  403  403  403  200"),
    "risk-run-list":                    ("GET",  "401  403  200  200  403  403  403  403  403  200"),
    "risk-run-run":                     ("POST", "401  403  403  201* 403  403  403  403  403  403"),
    "risk-run-detail":                  ("GET",  "401  403  200  200  403  403  403  403  403  200"),
    "risk-run-preview":                 ("GET",  "401  403  200  200  403  403  403  403  403  200"),
    "risk-run-confirm":                 ("POST", "401  404  400  400  404  404  404  404  404  400"),
    "rescission-case-list":             ("GET",  "401  403  200  200  403  403  403  200  200  200"),
    "rescission-case-detail":           ("GET",  "401  403  200  200  403  403  403  200  404  200"),
    "rescission-case-correction":       ("POST", "401  403  403  403  403  403  403  400  404  400"),
    "rescission-case-decision":         ("POST", "401  403  403  403  403  403  403  400  404  400"),
    "rescission-case-disclosure":       ("POST", "401  403  403  403  403  403  403  409  404  403"),
    "rescission-case-endorsement":      ("POST", "401  403  403  403  403  403  403  400  404  400"),
    "rescission-case-notice-pdf":       ("GET",  "401  403  200* 404  403  403  403  200* 404  200*"),
    "rescission-case-notice-received":  ("POST", "401  403  403  403  403  403  403  200* 404  403"),
    "rescission-case-notice-sent":      ("POST", "401  403  403  403  403  403  403  400  404  400"),
    "rescission-case-path":             ("POST", "401  403  403  403  403  403  403  400  404  400"),
    "claims-sla-api":                   ("GET",  "401  403  400  400  400  403  403  400  400  400"),
    "claim-list":                       ("GET",  "401  403  200  200  403  403  403  200  200  200"),
    "claim-batch":                      ("POST", "401  403  403  403  403  403  403  400  400  400"),
    "claim-detail":                     ("GET",  "401  403  200  200  403  403  403  200  404  200"),
    "claim-withdraw":                   ("POST", "401  403  403  403  403  403  403  400  404  400"),
    "focused-check-list":               ("GET",  "401  200  200  200  200  200  200  403  403  200"),
    "focused-check-detail":             ("GET",  "401  200  200  200  200  200  404  403  403  200"),
    "focused-check-result":             ("POST", "401  400  400  400  400  400  404  404  404  400"),
    "public-complaint-create":          ("POST", "400  400  400  400  400  400  400  400  400  400"),
    "public-complaint-status":          ("POST", "400  400  400  400  400  400  400  400  400  400"),
    "complaint-list":                   ("GET",  "401  200  200  403  403  403  403  200  200  200"),
    "complaint-detail":                 ("GET",  "401  404  200  403  403  403  403  200  404  200"),
    "complaint-extend":                 ("POST", "401  404  400  404  404  404  404  400  404  400"),
    "complaint-feedback":               ("POST", "401  400  400  400  400  400  400  400  400  400"),
    "complaint-forward":                ("POST", "401  400  400  400  400  400  400  400  400  400"),
    "complaint-note":                   ("POST", "401  404  400  404  404  404  404  400  404  400"),
    "complaint-rehandle":               ("POST", "401  404  400  404  404  404  404  400  404  400"),
    "complaint-resolve":                ("POST", "401  400  400  400  400  400  400  400  400  400"),
    "complaint-reveal-contact":         ("POST", "401  404  400  404  404  404  404  403  404  403"),
    "complaint-to-lead":                ("POST", "401  404  400  404  404  404  404  403  404  403"),
    "complaint-verify":                 ("POST", "401  404  200* 404  404  404  404  403  404  403"),
    "credit-record-list":               ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "credit-record-file":               ("GET",  "401  200  200  200  200  200  404  404  404  200"),
    "credit-record-detail":             ("GET",  "401  200  200  200  200  200  404  404  404  200"),
    "credit-record-correct":            ("POST", "401  400  400  400  400  400  404  404  404  400"),
    "credit-proposal-list":             ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "credit-proposal-detail":           ("GET",  "401  200  200  200  404  200  404  404  404  200"),
    "credit-proposal-decide":           ("POST", "401  400  400  400  404  400  404  404  404  400"),
    "urging-item-list":                 ("GET",  "401  403  200  200  403  403  403  200  200  200"),
    "urging-item-detail":               ("GET",  "401  403  200  200  403  403  403  200  404  200"),
    "urging-item-record":               ("POST", "401  404  400  400  404  404  404  400  404  400"),
    "urging-item-close":                ("POST", "401  404  400  400  404  404  404  400  404  400"),
    "supervisory-action-list":          ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "supervisory-action-detail":        ("GET",  "401  200  200  200  404  404  404  200  404  200"),
    "supervisory-action-close":         ("POST", "401  400  400  400  404  404  404  400  404  400"),
    "inspection-list":                  ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "inspection-detail":                ("GET",  "401  200  200  200  200  200  404  200  404  200"),
    "inspection-findings":              ("GET",  "401  200  200  200  200  200  404  200  404  200"),
    "inspection-notice-list":           ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "inspection-notice-detail":         ("GET",  "401  200  200  200  200  404  404  200  404  200"),
    "training-list":                    ("GET",  "401  200  200  200  200  200  200  403  403  200"),
    "training-detail":                  ("GET",  "401  200  200  200  200  200  404  403  403  200"),
    "api-dashboard-charts":             ("GET",  "401  200  200  200  200  200  200  200  200  200"),
    "api-dashboard-chart":              ("GET",  "401  404  200  200  404  404  404  200  200  200"),
    # --- Ride-hailing supervision data (issue 20): transport and the regulator read all, a company its own ---------
    "ridehailing:feeds":                ("GET",  "L    200  200  403  403  200  200  403  403  200"),
    "ridehailing:delivery":             ("GET",  "L    200  200  403  403  200  404  403  403  200"),
    "ridehailing-delivery-list":        ("GET",  "401  200  200  403  403  200  200  403  403  200"),
    "ridehailing-delivery-detail":      ("GET",  "401  200  200  403  403  200  404  403  403  200"),
    "ridehailing-delivery-records":     ("GET",  "401  200  200  403  403  200  404  403  403  200"),
    "ridehailing-vehicleday-list":      ("GET",  "401  200  200  403  403  200  200  403  403  200"),
    "ridehailing-vehicleday-detail":    ("GET",  "401  200  200  403  403  200  404  403  403  200"),
    "ridehailing-records":              ("GET",  "401  200  200  403  403  200  200  403  403  200"),
    "api-schema":                       ("GET",  "200  200  200  200  200  200  200  200  200  200"),
    "route:^api/v1/":                   ("GET",  "404  404  404  404  404  404  404  404  404  404"),
    "api-docs":                         ("GET",  "200  200  200  200  200  200  200  200  200  200"),
}
# fmt: on

PUBLIC_FORMS = {"public-complaint-create", "public-complaint-status", "complaints:report", "complaints:status"}
URLS = all_patterns()
NAMES = [name for _route, name, _view in URLS]


def test_every_url_has_a_row():
    missing = sorted(set(NAMES) - set(TABLE))
    assert not missing, (
        "URLs without a row in tests/security/test_access_table.py TABLE (say which role gets what): " + ", ".join(missing))
    stale = sorted(set(TABLE) - set(NAMES))
    assert not stale, f"rows for URLs that no longer exist: {stale}"


def test_the_table_is_well_formed():
    for name, (method, row) in TABLE.items():
        tokens = row.split()
        assert method in ("GET", "POST") and len(tokens) == len(ROLES), name
        assert tokens[0] in ("L", "401") or name in PUBLIC_FORMS | {"login", "set_language", "favicon", "api-schema",
                                                                     "api-docs", "complaints:report_done",
                                                                     "route:^api/v1/"}, (
            f"{name}: an anonymous visitor must be sent to the login page (or 401 from the API)")


@pytest.fixture(scope="module")
def role_clients(world, django_db_blocker):
    with django_db_blocker.unblock():
        return clients(world)


def _answers(name, world, role_clients) -> list[tuple[str, object]]:
    """Every role's answer to row ``name``'s URL (``ask``: each in a savepoint rolled back). Two checks read the
    same answers — the table's and the Content-Security-Policy's: the first of the two asks, the second takes
    what it got (tests/security/conftest.py runs the two checks of one URL one after the other)."""
    kept = vars(world).setdefault("walk_answers", {})
    if name in kept:
        return kept.pop(name)
    method, _row = TABLE[name]
    url = url_for(name, world)
    answers = [(role, ask(role_clients[role], method, url, public=name in PUBLIC_FORMS)) for role in ROLES]
    kept[name] = answers
    return answers


@pytest.mark.parametrize("name", sorted(TABLE))
def test_m2_url_answers_each_role_as_the_table_says_and_its_post_forms_carry_csrf(name, world, role_clients, db):
    if name not in NAMES:
        pytest.skip("not in the URL conf (reported by test_every_url_has_a_row)")
    method, row = TABLE[name]
    url = url_for(name, world)
    got = []
    if name == "logout":  # signing out ends the session: that row uses clients of its own
        logout_clients = clients(world)
        answers = [(role, ask(logout_clients[role], method, url)) for role in ROLES]
    else:
        answers = _answers(name, world, role_clients)
    for role, response in answers:
        assert response.status_code < 500, f"{method} {url} as {role}: {response.status_code}"
        got.append(token(response))
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            # CSRF: every POST form of the page, as this role sees it, carries the token
            bare = [f["action"] for f in post_forms(response.content.decode()) if not f["csrf"]]
            assert not bare, f"{url} as {role}: POST forms without the CSRF token (actions {bare})"
    assert " ".join(got) == " ".join(row.split()), (
        f"{method} {url}\n  roles    {' '.join(f'{r:<9}' for r in ROLES)}\n"
        f"  expected {' '.join(f'{t:<9}' for t in row.split())}\n  got      {' '.join(f'{t:<9}' for t in got)}")


@pytest.mark.parametrize("name", sorted(name for name in TABLE if name in NAMES and name != "logout"))
def test_every_page_has_a_csp_without_inline_script(name, world, role_clients, db):
    """Every URL as every role answers with a Content-Security-Policy whose script-src allows no inline script,
    eval or any origin, and no HTML page carries inline script or event handlers (the attack replayed in
    test_attack_web.py, section 2)."""
    method, _row = TABLE[name]
    url = url_for(name, world)
    for role, response in _answers(name, world, role_clients):
        policy = response.get("Content-Security-Policy", "")
        assert policy, f"{method} {url} as {role}: no Content-Security-Policy header"
        sources = script_src(policy)
        assert sources and "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources and "*" not in sources, (
            f"{method} {url} as {role}: script-src {sources}")
        if "text/html" in response.get("Content-Type", "") and not getattr(response, "streaming", False):
            found = inline_code(response.content.decode("utf-8", "replace"))
            assert not found, f"{method} {url} as {role}: {sorted(set(found))}"


@pytest.mark.parametrize("name", sorted(set(TABLE) & ID_URLS))
def test_an_id_that_names_nothing_is_404_for_everyone(name, world, role_clients, db):
    """The same URLs with a non-existent id: never a 200 or a 500, whoever asks."""
    if name not in NAMES:
        pytest.skip("not in the URL conf")
    kwargs = url_kwargs(name, world)
    if "pk" not in kwargs:
        pytest.skip("no object id in this URL")
    method, row = TABLE[name]
    url = url_for(name, world, pk=MISSING if isinstance(kwargs["pk"], int) else "00000000-0000-4000-8000-000000000000")
    for role, expected in zip(ROLES, row.split(), strict=True):
        response = ask(role_clients[role], method, url)
        got = token(response)
        if expected in ("L", "401"):
            assert got == expected, (role, url, got)
        else:
            assert got.rstrip("*") in ("403", "404", "400"), (role, url, got)
