"""System-to-system API keys, session + CSRF for browsers, and the one API error shape."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.core import deadlines
from apps.core.api.errors import exception_handler
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.models import AuditEvent, Deadline
from apps.parties.models import ApiKey, OrganizationKind, User
from apps.parties.rights import SystemActor
from apps.parties.services import api_key_create, api_key_revoke, user_create
from tests.factories import user_of

T0 = dt.datetime(2026, 6, 1, 9, tzinfo=deadlines.SHANGHAI)


def error_of(response, status: int) -> dict:
    """Every API error: ``{"error": {"code", "message", "fields"}}`` and nothing else."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"]) <= {"code", "message", "fields", "extra"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


@pytest.fixture
def system(parties):
    """The insurer A core system's account and key (issued by the platform operator), and one clock of each
    insurer."""
    operator = user_of(OrganizationKind.PLATFORM)
    account = user_create(organization=parties.insurer_a, username="insurer_a_core", password=None, is_system=True,
                          actor=operator)
    key, plaintext = api_key_create(user=account, name="核心业务系统", actor=operator)
    clock = SystemActor("tests.clock")
    own = deadlines.deadline_start(rule="test.api", subject=parties.insurer_a, responsible=parties.insurer_a,
                                   starts_at=T0, unit=Deadline.Unit.HOURS, amount=1, actor=clock)
    other = deadlines.deadline_start(rule="test.api", subject=parties.insurer_b, responsible=parties.insurer_b,
                                     starts_at=T0, unit=Deadline.Unit.HOURS, amount=1, actor=clock)

    class System:
        pass

    s = System()
    s.account, s.key, s.plaintext, s.own, s.other = account, key, plaintext, own, other
    return s


def key_client(value: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {value}")
    return client


def test_api_key_authenticates_the_system_account_within_its_organisation(system):
    assert system.plaintext.startswith(system.key.prefix + ".")
    assert system.key.digest != system.plaintext.split(".")[1]  # only a digest is stored
    client = key_client(system.plaintext)
    me = client.get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["username"] == "insurer_a_core"
    listed = client.get("/api/v1/deadlines/").json()["results"]
    assert [row["id"] for row in listed] == [system.own.pk]
    assert client.get(f"/api/v1/deadlines/{system.other.pk}/").status_code == 404
    system.key.refresh_from_db()
    assert system.key.last_used_at is not None
    assert AuditEvent.objects.filter(action="api_key.create", object_id=str(system.key.pk)).exists()


def test_a_system_account_cannot_log_in_with_a_password(client, system):
    assert not system.account.has_usable_password()
    response = client.post("/accounts/login/", {"username": "insurer_a_core", "password": system.plaintext})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


@pytest.mark.parametrize("mangle", [
    lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),  # wrong secret
    lambda k: k.split(".")[0] + ".",  # no secret
    lambda k: k.split(".")[0],  # no separator
    lambda k: "ffffffff." + k.split(".")[1],  # unknown prefix
    lambda k: "",
])
def test_a_wrong_key_is_refused_with_401_and_the_error_shape(system, mangle):
    error = error_of(key_client(mangle(system.plaintext)).get("/api/v1/deadlines/"), 401)
    assert error["code"] == "authentication_failed"
    assert error["message"] == "API 密钥无效。"


def test_a_revoked_key_is_refused(system, parties):
    operator = user_of(OrganizationKind.PLATFORM)
    with pytest.raises(PermissionDeniedError):  # the table gives key management to the platform operator only
        api_key_revoke(key=system.key, actor=parties.insurer_a_user)
    api_key_revoke(key=system.key, actor=operator)
    response = key_client(system.plaintext).get("/api/v1/deadlines/")
    error = error_of(response, 401)
    assert error == {"code": "authentication_failed", "message": "API 密钥已被吊销。", "fields": {}}
    assert response["WWW-Authenticate"] == "Api-Key"
    assert AuditEvent.objects.filter(action="api_key.revoke", object_id=str(system.key.pk)).exists()
    revoked_at = ApiKey.objects.get(pk=system.key.pk).revoked_at
    api_key_revoke(key=ApiKey.objects.get(pk=system.key.pk), actor=operator)  # idempotent
    assert ApiKey.objects.get(pk=system.key.pk).revoked_at == revoked_at


def test_a_deactivated_account_or_organisation_is_refused(system):
    User.objects.filter(pk=system.account.pk).update(is_active=False)
    assert error_of(key_client(system.plaintext).get("/api/v1/deadlines/"), 401)["message"] == "该系统账号已停用。"
    User.objects.filter(pk=system.account.pk).update(is_active=True)
    system.account.organization.__class__.objects.filter(pk=system.account.organization_id).update(is_active=False)
    assert error_of(key_client(system.plaintext).get("/api/v1/deadlines/"), 401)["message"] == "该系统账号已停用。"


def test_an_api_key_needs_no_csrf_but_a_browser_session_does(system, parties):
    # POST to a read-only endpoint: with a key the request gets as far as the role's permissions …
    error = error_of(key_client(system.plaintext).post("/api/v1/deadlines/", {}), 403)
    assert error["code"] == "permission_denied" and "CSRF" not in error["message"]
    # … with a session cookie and no CSRF token it is refused first
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(parties.insurer_a_user)
    assert browser.get("/api/v1/deadlines/").status_code == 200
    error = error_of(browser.post("/api/v1/deadlines/", {}), 403)
    assert "CSRF" in error["message"]


# --- the one error shape ---------------------------------------------------------------------------------


def test_401_when_not_authenticated():
    response = APIClient().get("/api/v1/deadlines/")
    error = error_of(response, 401)
    assert error["code"] == "not_authenticated" and error["fields"] == {}


def test_403_without_the_role_s_model_permission(api, parties):
    user = parties.insurer_a_user
    user.groups.clear()
    error = error_of(api.as_user(User.objects.get(pk=user.pk)).get("/api/v1/deadlines/"), 403)
    assert error["code"] == "permission_denied"
    user.groups.add(Group.objects.get(name="insurer_staff"))


def test_404_for_another_party_s_object_and_for_nonsense_ids(api, parties, system):
    client = api.as_user(parties.insurer_a_user)
    assert error_of(client.get(f"/api/v1/deadlines/{system.other.pk}/"), 404) == {
        "code": "not_found", "message": "未找到。", "fields": {}}
    assert error_of(client.get("/api/v1/deadlines/999999999/"), 404)["code"] == "not_found"
    assert error_of(client.get("/api/v1/deadlines/abc/"), 404)["code"] == "not_found"


def test_400_for_bad_input_names_the_fields(api, parties):
    error = error_of(api.as_user(parties.insurer_a_user).get("/api/v1/deadlines/", {"responsible": "abc"}), 400)
    assert error["code"] == "invalid" and error["message"] == "提交的数据有误。"
    assert "responsible" in error["fields"]


@pytest.mark.parametrize(("exc", "status", "code"), [
    (ApplicationError("时限已到期，不能再暂停。", code="already_due", extra={"due_at": "x"}), 400, "already_due"),
    (PermissionDeniedError("无权操作。"), 403, "permission_denied"),
    (ConflictError("已被他人修改。"), 409, "conflict"),
])
def test_application_errors_map_to_the_shape(exc, status, code):
    response = exception_handler(exc, {})
    assert response.status_code == status
    assert response.data["error"]["code"] == code and response.data["error"]["message"] == exc.message
    assert response.data["error"]["fields"] == {}
    assert response.data["error"].get("extra", {}) == exc.extra


def test_django_validation_errors_map_to_400_with_fields():
    from django.core.exceptions import ValidationError

    response = exception_handler(ValidationError({"plate": ["号牌号码格式不正确。"]}), {})
    assert response.status_code == 400
    assert response.data == {"error": {"code": "invalid", "message": "提交的数据有误。",
                                       "fields": {"plate": ["号牌号码格式不正确。"]}}}


def test_openapi_schema_and_docs(api, parties):
    client = api.as_user(parties.regulator_user)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    body = schema.json()
    assert "/api/v1/deadlines/" in body["paths"] and "/api/v1/users/" in body["paths"]
    assert body["components"]["securitySchemes"]["ApiKey"]["in"] == "header"
    assert client.get("/api/docs/").status_code == 200
