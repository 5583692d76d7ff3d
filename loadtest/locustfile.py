"""The daily work of the platform's users, for ``make load`` (locust, headless, against gunicorn + PostgreSQL).

Each simulated person logs in with a demo account of its role and works through its usual pages — the home page
with what is due, lists with filters, detail pages, the charts, a few API lists as a connected system would call
them — with a few writes (a transport officer flags a vehicle, a company runs an onboarding check, people mark
their notifications read). Think time 5–20 s between actions, as people reading pages do.

Requests are grouped by kind for the report: ``page home``, ``page list``, ``page detail``, ``page dashboard``,
``api list``, ``api detail``, ``write``.
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, events, task

PASSWORD = "Liuzhou-2026"  # the demo accounts of seed_demo (a throwaway database)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# {username: [session keys]} opened by the harness before the run (LZ_LOAD_SESSIONS names the JSON file)
SESSIONS: dict[str, list[str]] = (
    json.loads(Path(os.environ["LZ_LOAD_SESSIONS"]).read_text()) if os.environ.get("LZ_LOAD_SESSIONS") else {})


class Person(HttpUser):
    abstract = True
    wait_time = between(5, 20)
    usernames: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    apis: tuple[str, ...] = ()
    detail_api: str | None = None  # an API list whose objects' pages the person opens
    detail_page: str | None = None  # "/vehicles/{id}/"

    def on_start(self):
        username = random.choice(self.usernames)
        if SESSIONS.get(username):
            # people log in once in the morning: the measured minute starts from sessions opened before it
            self.client.cookies.set("sessionid", SESSIONS[username].pop())
        else:
            self.client.get("/accounts/login/", name="page login")
            response = self.client.post("/accounts/login/", {
                "username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf(),
            }, headers={"Referer": self.host + "/accounts/login/"}, name="write login")
            if "/accounts/login/" in response.url:
                raise RuntimeError(f"login failed for {username}")
        self.ids: list[int] = []
        self.plates: list[str] = []
        if self.detail_api:
            rows = self.client.get(self.detail_api, name="api list").json().get("results", [])[:30]
            self.ids = [row["id"] for row in rows]
            self.plates = [row["plate"] for row in rows if row.get("plate")]

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    @task(3)
    def home(self):
        self.client.get("/", name="page home")

    @task(1)
    def due(self):
        self.client.get("/due/", name="page list")

    @task(6)
    def a_list(self):
        if self.lists:
            self.client.get(random.choice(self.lists), name="page list")

    @task(2)
    def an_api_list(self):
        if self.apis:
            self.client.get(random.choice(self.apis), name="api list")

    @task(3)
    def a_detail(self):
        if self.ids and self.detail_page:
            pk = random.choice(self.ids)
            self.client.get(self.detail_page.format(id=pk), name="page detail")
            if random.random() < 0.3:
                self.client.get(f"{self.detail_api.split('?')[0]}{pk}/", name="api detail")

    @task(1)
    def notifications(self):
        self.client.get("/notifications/", name="page list")
        if random.random() < 0.2:
            self.client.post("/notifications/read/", {"csrfmiddlewaretoken": self.csrf()},
                             headers={"Referer": self.host + "/notifications/"}, name="write")


class TransportOfficer(Person):
    weight = 20
    usernames = ("transport",)
    lists = ("/leads/outbox/", "/leads/", "/leads/penalties/", "/vehicles/", "/vehicles/permits/",
             "/complaints/staff/", "/exchange/")
    apis = ("/api/v1/leads/", "/api/v1/penalties/", "/api/v1/vehicles/?page_size=50")
    detail_api = "/api/v1/vehicles/?page_size=30"
    detail_page = "/vehicles/{id}/"

    @task(1)
    def flag_a_vehicle(self):
        page = self.client.get("/leads/flag/", name="page list")
        token = CSRF.search(page.text)
        plate = f"桂B{random.choice('ACDEFGHJK')}{random.randint(1000, 9999)}"
        self.client.post("/leads/flag/", {
            "plate": plate, "evidence": "执法巡查发现疑似非法营运，站前广场揽客。",
            "csrfmiddlewaretoken": token.group(1) if token else self.csrf(),
        }, headers={"Referer": self.host + "/leads/flag/"}, name="write")


class RegulatorStaff(Person):
    weight = 20
    usernames = ("regulator",)
    lists = ("/leads/", "/rescissions/", "/rescissions/compliance/", "/claims/sla/", "/complaints/staff/",
             "/credit/actions/", "/policies/")
    apis = ("/api/v1/rescission-cases/", "/api/v1/claims/", "/api/v1/leads/", "/api/v1/dashboard/charts/")
    detail_api = "/api/v1/policies/?page_size=30"
    detail_page = "/policies/{id}/"

    @task(2)
    def dashboards(self):
        self.client.get(random.choice(["/dashboard/", "/dashboard/report/", "/dashboard/deadlines/"]),
                        name="page dashboard")


class InsuranceAssociationStaff(Person):
    weight = 15
    usernames = ("ins_assoc",)
    lists = ("/leads/risk/", "/claims/analytics/", "/claims/checks/", "/credit/", "/leads/screening/")
    apis = ("/api/v1/risk-runs/", "/api/v1/focused-checks/", "/api/v1/credit-records/")
    detail_api = "/api/v1/vehicles/?page_size=30"
    detail_page = "/vehicles/{id}/"

    @task(2)
    def dashboards(self):
        self.client.get("/dashboard/", name="page dashboard")


class TaxiAssociationStaff(Person):
    weight = 10
    usernames = ("taxi_assoc",)
    lists = ("/credit/actions/", "/vehicles/drivers/", "/claims/checks/")
    apis = ("/api/v1/credit-records/", "/api/v1/supervisory-actions/")
    detail_api = "/api/v1/drivers/?page_size=30"
    detail_page = "/vehicles/drivers/{id}/"


class TaxiCompanyStaff(Person):
    weight = 60
    usernames = ("longcheng", "changxing")
    lists = ("/vehicles/", "/vehicles/drivers/", "/vehicles/worklist/", "/vehicles/permits/", "/claims/checks/",
             "/leads/outbox/")
    apis = ("/api/v1/vehicles/", "/api/v1/drivers/", "/api/v1/vehicles/worklist/")
    detail_api = "/api/v1/vehicles/?page_size=30"
    detail_page = "/vehicles/{id}/"

    @task(1)
    def onboarding_check(self):
        if not self.plates:
            return
        page = self.client.get("/vehicles/onboarding/", name="page list")
        token = CSRF.search(page.text)
        self.client.post("/vehicles/onboarding/", {
            "query": random.choice(self.plates), "permit_kind": "ride_hailing",
            "csrfmiddlewaretoken": token.group(1) if token else self.csrf(),
        }, headers={"Referer": self.host + "/vehicles/onboarding/"}, name="write")


class InsurerStaff(Person):
    weight = 75
    usernames = ("picc", "pingan")
    lists = ("/policies/", "/policies/underwriting/", "/rescissions/", "/claims/", "/leads/worklist/",
             "/claims/sla/")
    apis = ("/api/v1/policies/", "/api/v1/claims/", "/api/v1/rescission-cases/", "/api/v1/lead-worklist/")
    detail_api = "/api/v1/policies/?page_size=30"
    detail_page = "/policies/{id}/"


# --- p50/p95 of all pages, all API calls and all writes together (printed when the run ends) --------------------

_TIMES: dict[str, list[float]] = {"page": [], "api": [], "write": []}


@events.request.add_listener
def _record(request_type, name, response_time, exception=None, **kwargs):
    kind = name.split()[0]
    if kind in _TIMES and name not in ("page login", "write login"):
        _TIMES[kind].append(response_time)


@events.quitting.add_listener
def _summary(environment, **kwargs):
    def pct(values, p):
        values = sorted(values)
        return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0

    print("\nkind     requests   p50 ms   p95 ms   p99 ms")
    for kind, values in _TIMES.items():
        print(f"{kind:<8} {len(values):>8} {pct(values, 50):>8.0f} {pct(values, 95):>8.0f} {pct(values, 99):>8.0f}")
