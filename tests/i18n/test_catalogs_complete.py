"""English catalogs: complete, not fuzzy, compiled from the committed .po, and used by the pages.

The UI's source language is zh-hans (the msgids are Chinese); English comes from ``locale/en`` catalogs, one per
app plus the project-level one. An untranslated or fuzzy entry shows Chinese on an English page, and a stale
.mo shows yesterday's English, so every catalog is checked here.
"""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

BASE_DIR = Path(settings.BASE_DIR)
CATALOGS = sorted(
    [*BASE_DIR.glob("apps/*/locale/en/LC_MESSAGES/*.po"), *BASE_DIR.glob("locale/en/LC_MESSAGES/*.po")]
)
CATALOG_IDS = [str(p.relative_to(BASE_DIR)) for p in CATALOGS]
APPS_WITH_CATALOG = {p.relative_to(BASE_DIR).parts[1] for p in CATALOGS if p.parts[-6] == "apps"}
ENTRY_KEY = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$')
PLACEHOLDER = re.compile(r"%\((\w+)\)[-+ #0]*\d*(?:\.\d+)?[sdfir]")  # the name; the format may differ


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: {"flags": set, "msgctxt"?, "msgid", "msgid_plural"?, "msgstr" | "msgstr[n]"}.

    Obsolete entries (``#~``) are skipped; continuation lines are joined.
    """
    entries: list[dict] = []
    current: dict = {"flags": set()}
    key = None

    def flush():
        nonlocal current, key
        if "msgid" in current:
            entries.append(current)
        current, key = {"flags": set()}, None

    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        if stripped.startswith("#"):
            if key is not None and key.startswith("msgstr"):
                flush()  # an entry without a blank line after it
            if stripped.startswith("#,"):
                current["flags"].update(flag.strip() for flag in stripped[2:].split(","))
            continue
        match = ENTRY_KEY.match(stripped)
        if match:
            if match.group(1) in ("msgctxt", "msgid") and key is not None and key.startswith("msgstr"):
                flush()
            key = match.group(1)
            current[key] = ast.literal_eval(match.group(2))
        else:
            assert key is not None and stripped.startswith('"'), f"{path}: cannot parse line {line!r}"
            current[key] += ast.literal_eval(stripped)
    flush()
    return entries


def _translations(entry: dict) -> list[str]:
    return [value for name, value in entry.items() if name.startswith("msgstr")]


@pytest.mark.parametrize("path", CATALOGS, ids=CATALOG_IDS)
def test_catalog_has_no_untranslated_entries(path):
    missing = [e["msgid"] for e in parse_po(path) if e["msgid"] and not all(_translations(e))]
    assert missing == [], f"{len(missing)} untranslated entries in {path}"


@pytest.mark.parametrize("path", CATALOGS, ids=CATALOG_IDS)
def test_catalog_has_no_fuzzy_entries(path):
    fuzzy = [e["msgid"] or "(header)" for e in parse_po(path) if "fuzzy" in e["flags"]]
    assert fuzzy == [], f"fuzzy entries in {path} (not used at run time)"


@pytest.mark.parametrize("path", CATALOGS, ids=CATALOG_IDS)
def test_translations_keep_the_placeholders(path):
    """Same named placeholders as the msgid (a missing one drops data, an unknown one raises KeyError)."""
    broken = []
    for e in parse_po(path):
        if not e["msgid"]:
            continue
        sources = [e["msgid"], e.get("msgid_plural", e["msgid"])]
        for name, value in e.items():
            if name.startswith("msgstr"):
                source = sources[-1] if name not in ("msgstr", "msgstr[0]") else sources[0]
                if set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(value)):
                    broken.append((e["msgid"], value))
    assert broken == []


@pytest.mark.parametrize("path", CATALOGS, ids=CATALOG_IDS)
def test_compiled_catalog_matches_the_po(path):
    """The committed .mo holds exactly the .po's translations (i.e. it was compiled after the last edit)."""
    mo = path.with_suffix(".mo")
    assert mo.exists(), f"{mo} missing: compile it with msgfmt -o django.mo django.po"
    with mo.open("rb") as handle:
        compiled = dict(gettext.GNUTranslations(handle)._catalog)
    compiled.pop("", None)  # the header: msgfmt rewrites some of its fields
    expected = {}
    for e in parse_po(path):
        if not e["msgid"]:
            continue
        msgid = e["msgid"] if "msgctxt" not in e else f"{e['msgctxt']}\x04{e['msgid']}"
        if "msgid_plural" in e:
            for name, value in e.items():
                if name.startswith("msgstr["):
                    expected[(msgid, int(name[7:-1]))] = value
        else:
            expected[msgid] = e["msgstr"]
    assert compiled == expected, f"{mo} is stale: recompile it from {path.name}"


def test_apps_without_catalog_have_no_translatable_text():
    """Every app that marks text for translation ships an English catalog."""
    uses_gettext = set()
    for app_dir in sorted((BASE_DIR / "apps").iterdir()):
        if not (app_dir / "apps.py").exists():
            continue
        sources = [*app_dir.rglob("*.py"), *app_dir.rglob("*.html")]
        if any(
            "migrations" not in p.parts
            and re.search(r"\bgettext|\{% (?:translate|trans|blocktranslate) ", p.read_text("utf-8"))
            for p in sources
        ):
            uses_gettext.add(app_dir.name)
    assert uses_gettext - APPS_WITH_CATALOG == set()


# --- The pages in English ------------------------------------------------------------------------------------


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield client
    translation.activate(settings.LANGUAGE_CODE)


def _page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
    return response.content.decode()


def _page_zh(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


ENGLISH_PAGES = [  # (user of ``parties``, page, English it shows, Chinese it must not show)
    ("regulator_user", "/exchange/", ["Data exchange batches", "Exchange flows between all organisations"],
     ["数据交换批次"]),
    ("insurer_a_user", "/claims/", ["Open claims, ordered by the nearest deadline", "Register claim report"],
     ["理赔案件"]),
    ("insurer_a_user", "/rescissions/", ["Ordered by days left, fewest first."], ["我的合同解除案件", "我的办理中案件"]),
    ("transport_user", "/vehicles/", ["Vehicle register", "Plate or VIN"], ["车辆登记册"]),
    ("insurer_a_user", "/policies/", ["Register policy", "No matching policies."], ["登记保单", "没有符合条件的保单。"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("user", "url", "english_text", "chinese_text"), ENGLISH_PAGES,
                         ids=[url for _u, url, _e, _c in ENGLISH_PAGES])
def test_page_in_english(parties, english, user, url, english_text, chinese_text):
    body = _page(english, getattr(parties, user), url)
    for text in english_text:
        assert text in body
    for text in chinese_text:
        assert text not in body


@pytest.mark.django_db
def test_pages_stay_chinese_without_the_cookie(parties, client):
    body = _page_zh(client, parties.transport_user, "/vehicles/")
    assert "车辆登记册" in body and "Vehicle register" not in body


# --- terminology: the English words fixed for the law's terms ----------------------------------------------------
# 营运/营业 (carrying paying passengers, the usage nature) is "operating"; "commercial" is reserved for 商业险
# (commercial insurance, as opposed to 交强险). 超期失权 is a lapse by time, not a breach; 退保 is a cancellation.
TERMS = [
    (re.compile(r"营运|营业"), re.compile(r"\bcommercial\b", re.I), re.compile(r"商业"),
     "营运/营业 is 'operating'; 'commercial' only for 商业险"),
    (re.compile(r"超期失权"), re.compile(r"breach", re.I), None, "超期失权 lapses by time, not by breach"),
    (re.compile(r"退保"), re.compile(r"surrender", re.I), None, "退保 is a cancellation"),
    (re.compile(r"^工作台$"), re.compile(r"workbench", re.I), None, "the home page is 'Home'"),
]


@pytest.mark.parametrize("path", CATALOGS, ids=CATALOG_IDS)
def test_translations_use_the_fixed_terms(path):
    wrong = []
    for entry in parse_po(path):
        for text in _translations(entry):
            for in_msgid, bad, allowed_if, why in TERMS:
                if in_msgid.search(entry["msgid"]) and bad.search(text):
                    if allowed_if is not None and allowed_if.search(entry["msgid"]):
                        continue
                    wrong.append(f"{entry['msgid']!r} → {text!r}: {why}")
    assert not wrong, "\n".join(wrong)
