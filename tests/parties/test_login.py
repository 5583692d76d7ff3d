"""Login and logout, the role-aware home page, failed-login throttling (django-axes), Chinese/English."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from apps.parties.models import ROLE_FOR_KIND, Role
from tests.factories import user_of

PASSWORD = "Test-password-1"
ROOT = Path(__file__).resolve().parents[2]


def login(client, username, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_login_page_is_chinese_by_default(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "<h1>登录</h1>" in html and "用户名" in html and "密码" in html
    assert "柳州市客运车辆保险联合监管平台" in html


def test_anonymous_users_are_sent_to_the_login_page(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/")
    assert client.get("/due/").status_code == 302


@pytest.mark.parametrize("name", ["transport", "regulator", "ins_assoc", "taxi_assoc", "company_a", "insurer_b"])
def test_each_role_logs_in_to_its_home_page(client, parties, name):
    user = parties.users[name]
    response = login(client, user.username)
    assert response.status_code == 302 and response["Location"] == "/"
    html = client.get("/").content.decode()
    assert "工作台" in html
    assert f"{Role(user.role).label} · {user.organization}" in html
    assert 'href="/due/"' in html  # the kernel's menu entry


def test_platform_admin_home_and_admin_site(client, db):
    admin = user_of("platform", username="platform_admin", is_staff=True, is_superuser=True)
    login(client, admin.username)
    assert "平台管理员" in client.get("/").content.decode()
    assert client.get("/admin/").status_code == 200


def test_logout_is_a_post_and_ends_the_session(client, parties):
    login(client, parties.insurer_a_user.username)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_wrong_password_shows_the_chinese_error(client, parties):
    response = login(client, parties.insurer_a_user.username, "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_repeated_failures_lock_the_login_with_a_chinese_page(client, parties):
    username = parties.insurer_a_user.username
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, username, "wrong-password").status_code == 200
    locked = login(client, username, "wrong-password")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "登录已被暂时锁定" in html
    assert f"请 {int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)} 分钟后再试" in html
    # even the right password is refused while locked
    response = login(client, username, PASSWORD)
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    # another user from the same address is not affected (lockout by username + address)
    assert login(client, parties.insurer_b_user.username).status_code == 302


def test_english_is_selectable_and_the_login_page_follows(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html
    assert "<h1>Log in</h1>" in html and "Username" in html and "Password" in html
    assert "Liuzhou Passenger-Vehicle Insurance Joint Supervision Platform" in html
    assert "用户名" not in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert "<h1>登录</h1>" in client.get("/accounts/login/").content.decode()


def test_english_home_page_role_label_and_locked_page(client, parties):
    client.post("/i18n/setlang/", {"language": "en"})
    login(client, parties.company_a_user.username)
    html = client.get("/").content.decode()
    assert "<h1>Home</h1>" in html or ">Home<" in html and "Taxi company staff" in html and "What is due" in html
    client.post("/accounts/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked = login(client, parties.insurer_a_user.username, "wrong-password")
    assert locked.status_code == 429 and "Login temporarily locked" in locked.content.decode()


@pytest.mark.parametrize("kind", list(ROLE_FOR_KIND))
def test_every_role_and_kind_label_has_an_english_translation(kind):
    from django.utils import translation

    with translation.override("en"):
        role_label, kind_label = str(Role(ROLE_FOR_KIND[kind]).label), str(kind.label)
    assert role_label.isascii() and kind_label.isascii()
    assert role_label != str(Role(ROLE_FOR_KIND[kind]).label)  # Chinese outside the override


def test_passwords_are_hashed_with_argon2_outside_tests():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LZ_"))}
    env.update(DJANGO_ENV="development", DJANGO_SETTINGS_MODULE="liuzhou_regulation.settings",
               DATABASE_URL="postgres://x:y@localhost:1/x", REDIS_URL="redis://localhost:1/0",
               SECRET_KEY="k" * 50, PERSONAL_DATA_KEYS="p" * 40, BLIND_INDEX_KEY="b" * 40, PLATFORM_KEY="q" * 40)
    code = "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher", result.stderr
