#!/usr/bin/env python3
"""Generate docs/rules.md: for every domain rule ID, its title, the code that cites it and the tests named after it.

Reads the repository only (no database, no Django):

* docs/rule-titles.txt: the rule IDs and their one-line titles, one ``ID<TAB>title`` a line, in the order of the
  rules digest. ``--titles-from RULES.md`` rewrites it from the digest (the ``- **M12 Title.** …`` lines) when the
  digest changes; the index itself never reads anything outside the repository.
* apps/**/*.py (migrations aside): a rule ID in a comment or a string literal (docstrings, error messages,
  ``rule_ids="M12"``) cites the rule; ranges such as ``C1–C3`` cite each rule of the range. The citing place is the
  innermost function or class around it, or the module itself.
* tests/**/*.py: a test cites the rules its name starts with (``test_m12_…``, ``test_m2_m17_…``), and every test of
  a module whose file name does (``test_j8_stage_clock_endorsement.py``).

``python scripts/rules_index.py`` writes docs/rules.md; ``--check`` exits 1 when docs/rules.md is not what the code
says now (``make lint`` runs it).
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import sys
import tokenize
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TITLES = Path("docs/rule-titles.txt")
OUTPUT = Path("docs/rules.md")

ID = r"[MJTCP]\d{1,2}"
# A rule ID or a range of one family (``C1–C3``, ``M2-M4``), not part of a longer word or number.
CITE_RE = re.compile(rf"(?<![A-Za-z0-9_])({ID})(?:\s*[–-]\s*({ID}))?(?![A-Za-z0-9_])")
TEST_RE = re.compile(r"^test_((?:[mjtcp]\d{1,2}_)+)")
TITLE_LINE_RE = re.compile(rf"^- \*\*({ID})\b\s*(.*?)\*\*\s*(.*)$")
SENTENCE_END_RE = re.compile(r"\.\s+(?=[A-Z])|\.$")


def titles_from_digest(text: str) -> list[tuple[str, str]]:
    """``(ID, title)`` for each rule line of the digest: its bold title, else its first sentence (shortened)."""
    rules, joined = [], []
    for line in text.splitlines():  # a rule's wrapped lines are indented: join them to it
        if line.startswith("  ") and joined and joined[-1].startswith("- **"):
            joined[-1] += " " + line.strip()
        else:
            joined.append(line)
    for line in joined:
        match = TITLE_LINE_RE.match(line)
        if not match:
            continue
        rule_id, bold, rest = match.groups()
        title = bold.strip().rstrip(".") or SENTENCE_END_RE.split(rest.replace("**", ""))[0].strip().rstrip(".")
        if len(title) > 100:
            title = title[:99].rstrip(" ,;(") + "…"
        rules.append((rule_id, title))
    families = list(dict.fromkeys(rule_id[0] for rule_id, _title in rules))
    return sorted(rules, key=lambda rule: (families.index(rule[0][0]), int(rule[0][1:])))


def read_titles(root: Path) -> list[tuple[str, str]]:
    rules = []
    for line in (root / TITLES).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rule_id, _tab, title = line.partition("\t")
            rules.append((rule_id.strip(), title.strip()))
    return rules


def cited_ids(text: str, known: set[str]) -> set[str]:
    found = set()
    for first, last in CITE_RE.findall(text):
        if last and first[0] == last[0]:
            low, high = int(first[1:]), int(last[1:])
            found.update(f"{first[0]}{n}" for n in range(low, high + 1) if low < high)
            found.add(last)
        found.add(first)
    return found & known


def _scopes(tree: ast.AST) -> list[tuple[int, int, str]]:
    """``(first line, last line, qualified name)`` of every function and class, outermost first."""
    scopes = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                scopes.append((first, child.end_lineno, name))
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return scopes


def _place(scopes, line: int) -> str | None:
    inner = None
    for first, last, name in scopes:
        if first <= line <= last and (inner is None or first >= inner[0]):
            inner = (first, name)
    return inner[1] if inner else None


def code_citations(root: Path, known: set[str]) -> dict[str, set[str]]:
    cites = defaultdict(set)
    for path in sorted((root / "apps").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        scopes = _scopes(ast.parse(source))
        rel = path.relative_to(root).as_posix()
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type not in (tokenize.COMMENT, tokenize.STRING):
                continue
            for rule_id in cited_ids(token.string, known):
                name = _place(scopes, token.start[0])
                cites[rule_id].add(f"{rel}:{name}" if name else rel)
    return cites


def _ids_of(name: str, known: set[str]) -> set[str]:
    match = TEST_RE.match(name)
    if not match:
        return set()
    return {part.upper() for part in match.group(1).split("_") if part} & known


def test_citations(root: Path, known: set[str]) -> dict[str, set[str]]:
    cites = defaultdict(set)
    for path in sorted((root / "tests").rglob("test_*.py")):
        rel = path.relative_to(root).as_posix()
        module_ids = _ids_of(path.stem + "_", known)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            tests = []
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_"):
                tests.append((node.name, node.name))
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                tests += [(f"{node.name}::{item.name}", item.name) for item in node.body
                          if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                          and item.name.startswith("test_")]
            for label, name in tests:
                for rule_id in module_ids | _ids_of(name, known):
                    cites[rule_id].add(f"{rel}::{label}")
    return cites


def render(root: Path) -> str:
    rules = read_titles(root)
    known = {rule_id for rule_id, _title in rules}
    code, tests = code_citations(root, known), test_citations(root, known)
    lines = [
        "# Rule index: rule → code → tests",
        "",
        "Generated by `scripts/rules_index.py` from the code (do not edit by hand: run "
        "`.venv/bin/python scripts/rules_index.py`; `make lint` fails when this file is stale). The rules are "
        "digested in RULES.md; their titles are kept in `docs/rule-titles.txt`.",
        "",
        "*Code* lists the places (file:function or class, or the file for a module-level mention) whose comments or "
        "strings cite the rule; *tests* the tests named after it (`test_m12_…`, or in a module so named).",
        "",
        "| rule | title | code | tests |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| [{rule_id}](#{rule_id.lower()}) | {title} | {len(code.get(rule_id, ()))} | "
              f"{len(tests.get(rule_id, ()))} |" for rule_id, title in rules]
    for rule_id, title in rules:
        lines += ["", f"## {rule_id}", "", title, ""]
        lines += ["Code:", ""] + ([f"- `{place}`" for place in sorted(code[rule_id])] if code.get(rule_id)
                                  else ["- none cites it"])
        lines += ["", "Tests:", ""] + ([f"- `{test}`" for test in sorted(tests[rule_id])] if tests.get(rule_id)
                                       else ["- none named after it"])
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/rules.md is not current")
    parser.add_argument("--titles-from", type=Path, metavar="RULES.md",
                        help="rewrite docs/rule-titles.txt from the rules digest first")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = args.root
    if args.titles_from:
        rules = titles_from_digest(args.titles_from.read_text(encoding="utf-8"))
        body = "".join(f"{rule_id}\t{title}\n" for rule_id, title in rules)
        (root / TITLES).write_text("# rule ID<TAB>title, from the rules digest (RULES.md)\n" + body,
                                   encoding="utf-8")
    text = render(root)
    target = root / OUTPUT
    if args.check:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT} is not current: run `python scripts/rules_index.py` and commit it.", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
