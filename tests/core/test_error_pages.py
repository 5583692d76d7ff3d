"""Error pages (403, 404, 500, CSRF failure) speak the user's language and lead back home; every page has a
favicon; the language menu names each language in itself."""

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.urls("tests.core.error_urls")

HOME = reverse("home")


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _assert_chinese_page_with_way_home(response, status, heading):
    assert response.status_code == status
    page = response.content.decode()
    assert 'lang="zh-hans"' in page
    assert heading in page
    assert f'<a href="{HOME}">返回首页</a>' in page
    assert 'rel="icon"' in page


def _assert_english_page_with_way_home(response, status):
    assert response.status_code == status
    page = response.content.decode()
    assert 'lang="en"' in page
    assert f'<a href="{HOME}">Back to the home page</a>' in page
    assert "返回首页" not in page


@pytest.fixture
def debug_off(settings):
    settings.DEBUG = False


def test_unknown_page_answers_404_in_chinese_with_a_way_home(client, db, debug_off):
    _assert_chinese_page_with_way_home(client.get("/no-such-page/"), 404, "页面不存在")


def test_unknown_page_answers_404_in_english_when_the_user_chose_english(client, db, debug_off):
    response = _english(client).get("/no-such-page/")
    _assert_english_page_with_way_home(response, 404)
    assert "Page not found" in response.content.decode()


def test_404_page_of_a_signed_in_user_keeps_the_navigation(client, db, debug_off):
    user = UserFactory()
    client.force_login(user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert 'data-testid="who"' in response.content.decode()


def test_refused_page_answers_403_in_chinese_with_a_way_home(client, db, debug_off):
    _assert_chinese_page_with_way_home(client.get("/test-refuse/"), 403, "无权操作")


def test_refused_page_answers_403_in_english_when_the_user_chose_english(client, db, debug_off):
    response = _english(client).get("/test-refuse/")
    _assert_english_page_with_way_home(response, 403)
    assert "Not allowed" in response.content.decode()


def test_server_error_answers_500_in_chinese_with_a_way_home(db, debug_off):
    client = Client(raise_request_exception=False)
    _assert_chinese_page_with_way_home(client.get("/test-fail/"), 500, "系统出错")


def test_server_error_answers_500_in_english_when_the_user_chose_english(db, debug_off):
    client = _english(Client(raise_request_exception=False))
    response = client.get("/test-fail/")
    _assert_english_page_with_way_home(response, 500)
    assert "System error" in response.content.decode()


def test_server_error_page_does_not_show_the_exception(db, debug_off):
    client = Client(raise_request_exception=False)
    assert "a bug in a view" not in client.get("/test-fail/").content.decode()


def test_form_without_csrf_token_answers_403_in_chinese_with_a_way_home(db, debug_off):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    _assert_chinese_page_with_way_home(response, 403, "表单已失效")
    page = response.content.decode()
    assert '<h1 data-refusal="CSRF">' in page  # says (to tests and support, not on screen) what refused it
    assert "CSRF token" not in page and "Forbidden" not in page  # not Django's English diagnosis


def test_form_without_csrf_token_answers_403_in_english_when_the_user_chose_english(db, debug_off):
    client = _english(Client(enforce_csrf_checks=True))
    response = client.post(reverse("login"), {"username": "x"})
    _assert_english_page_with_way_home(response, 403)
    assert "Form expired" in response.content.decode()


def test_favicon_is_a_static_file_linked_from_every_page(client, db, debug_off):
    assert finders.find("favicon.svg")
    page = client.get(reverse("login")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    response = client.get("/static/favicon.svg")
    assert response.status_code == 200
    assert b"<svg" in b"".join(response.streaming_content if response.streaming else [response.content])


def test_favicon_ico_redirects_to_the_icon_for_clients_that_ask_for_it(client, db, debug_off):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_language_menu_names_each_language_in_itself(client, db, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("login")).content.decode()
    assert '<option value="zh-hans" lang="zh-hans"' in page and ">中文</option>" in page
    assert '<option value="en" lang="en"' in page and ">English</option>" in page
    assert "英语" not in page
