"""The English catalogs of the foundation are complete and their compiled .mo files match the .po sources."""

import ast
import gettext
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = [ROOT / "locale", ROOT / "apps" / "core" / "locale", ROOT / "apps" / "parties" / "locale"]


def read_po(path: Path) -> list[tuple[str, str | None, list[str]]]:
    """(msgid, msgid_plural, msgstrs) of every entry except the header."""
    entries, current, key = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        if line.startswith("msgid "):
            current = {"msgid": ast.literal_eval(line[6:]), "plural": None, "msgstr": []}
            entries.append(current)
            key = "msgid"
        elif line.startswith("msgid_plural "):
            current["plural"], key = ast.literal_eval(line[13:]), "plural"
        elif line.startswith("msgstr"):
            current["msgstr"].append(ast.literal_eval(line.split(" ", 1)[1]))
            key = "msgstr"
        elif line.startswith('"') and current is not None:
            if key == "msgstr":
                current["msgstr"][-1] += ast.literal_eval(line)
            else:
                current[key] += ast.literal_eval(line)
    return [(e["msgid"], e["plural"], e["msgstr"]) for e in entries if e["msgid"]]


@pytest.mark.parametrize("locale_dir", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_english_catalog_is_complete_and_compiled(locale_dir):
    po = locale_dir / "en" / "LC_MESSAGES" / "django.po"
    entries = read_po(po)
    assert entries
    untranslated = [msgid for msgid, _plural, msgstrs in entries if not all(msgstrs)]
    assert untranslated == [], f"untranslated in {po}"
    with open(po.with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for msgid, plural, msgstrs in entries:
        if plural is None:
            assert compiled.gettext(msgid) == msgstrs[0], f"{po.with_suffix('.mo')} is stale: run msgfmt ({msgid})"
        else:
            assert compiled.ngettext(msgid, plural, 2) == msgstrs[1]
