"""Browser tests: Playwright (Python) driving Debian's headless Chromium against pytest-django's live server.

``browser_page(user)`` logs the user in through the real login form and returns a Playwright page.
In CI (CI=true) a missing Chromium is an error; on a developer machine without it these tests are skipped.
"""

import os
import shutil

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
PASSWORD = "Test-password-1"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run installs Debian's chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """A fresh page in a new context; ``new_page(locale="zh-CN")``."""
    contexts = []

    def make(locale: str = "zh-CN"):
        context = browser.new_context(locale=locale, base_url=live_server.url, viewport={"width": 1366, "height": 900})
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def browser_page(new_page):
    """``browser_page(user)`` → a page where ``user`` (password PASSWORD) has logged in through the form."""

    def login(user, password: str = PASSWORD):
        page = new_page()
        page.goto("/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return login


# --- screenshots for the user guide (docs/user-guide/img/) --------------------------------------------------------

SCREENSHOT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                              "docs", "user-guide", "img")


SHOT_DESKTOP = {"width": 1280, "height": 800}
SHOT_PHONE = {"width": 390, "height": 844}


def shot(page, name: str, size: dict = SHOT_DESKTOP) -> str | None:
    """With ``LZ_SCREENSHOTS`` set (``1``, or a directory), save a screenshot of ``page`` at ``size`` (1280×800,
    or ``SHOT_PHONE`` 390×844: open the page at that size first, so that it is laid out as on a phone) as
    ``<name>.png`` (256-colour PNG, small enough to commit) into docs/user-guide/img/ or that directory."""
    target = os.environ.get("LZ_SCREENSHOTS")
    if not target:
        return None
    directory = target if target not in ("1", "true", "yes") else SCREENSHOT_DIR
    os.makedirs(directory, exist_ok=True)
    import io

    from PIL import Image

    page.set_viewport_size(size)
    image = Image.open(io.BytesIO(page.screenshot(full_page=False))).convert("RGB")
    path = os.path.join(directory, f"{name}.png")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
    return path
