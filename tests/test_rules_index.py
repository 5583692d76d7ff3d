"""scripts/rules_index.py: docs/rules.md maps each rule ID to the code citing it and the tests named after it, and
``--check`` (run by ``make lint``) fails on a stale file. Run here on a small tree of its own."""

import importlib.util
import textwrap
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "rules_index.py"


@pytest.fixture(scope="module")
def rules_index():
    spec = importlib.util.spec_from_file_location("rules_index", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def tree(tmp_path):
    write(tmp_path, "docs/rule-titles.txt", "# rule ID<TAB>title\nM12\tThe 30-day rescission clock\n"
          "J5\tRescission for non-disclosure\nC1\tPremium\nC2\tLimits\nC3\tRiders\nM19\tContract clauses\n")
    write(tmp_path, "apps/rescissions/services.py", '''\
        """Rescission cases (rule M12)."""


        class Case:
            def decide(self):
                # the insurer's 5 days: rule J5
                return "M7 is not a rule of this tree"


        def premium():
            return 1  # rules C1–C3
        ''')
    write(tmp_path, "apps/rescissions/migrations/0001_initial.py", "# rule M19\n")
    write(tmp_path, "tests/rescissions/test_cases.py", '''\
        def test_m12_j5_the_case_lapses():
            assert True


        def test_without_a_rule():
            assert True


        class TestPremium:
            def test_c2_limits(self):
                assert True
        ''')
    write(tmp_path, "tests/rescissions/test_j5_notice.py", "def test_the_notice():\n    assert True\n")
    return tmp_path


def test_the_index_lists_each_rule_with_its_code_and_tests(rules_index, tree):
    assert rules_index.main(["--root", str(tree)]) == 0
    text = (tree / "docs/rules.md").read_text(encoding="utf-8")
    m12 = text.split("## M12\n")[1].split("\n## ")[0]
    assert "The 30-day rescission clock" in m12
    assert "- `apps/rescissions/services.py`\n" in m12  # the module docstring
    assert "- `tests/rescissions/test_cases.py::test_m12_j5_the_case_lapses`" in m12
    j5 = text.split("## J5\n")[1].split("\n## ")[0]
    assert "- `apps/rescissions/services.py:Case.decide`" in j5
    assert "- `tests/rescissions/test_j5_notice.py::test_the_notice`" in j5  # named after it by its module
    for rule_id in ("C1", "C2", "C3"):  # a range cites every rule in it
        assert "- `apps/rescissions/services.py:premium`" in text.split(f"## {rule_id}\n")[1].split("\n## ")[0]
    assert "- `tests/rescissions/test_cases.py::TestPremium::test_c2_limits`" in text
    assert "M7" not in text and "test_without_a_rule" not in text
    m19 = text.split("## M19\n")[1]
    assert "- none cites it" in m19 and "- none named after it" in m19  # migrations are not read
    assert "| [M12](#m12) | The 30-day rescission clock | 1 | 1 |" in text


def test_check_passes_on_a_current_index_and_fails_once_the_code_moves_on(rules_index, tree, capsys):
    assert rules_index.main(["--root", str(tree), "--check"]) == 1  # not written yet
    assert rules_index.main(["--root", str(tree)]) == 0
    assert rules_index.main(["--root", str(tree), "--check"]) == 0
    write(tree, "apps/rescissions/clock.py", "def due():\n    return 30  # rule M12\n")
    assert rules_index.main(["--root", str(tree), "--check"]) == 1
    assert "docs/rules.md is not current" in capsys.readouterr().err
    assert rules_index.main(["--root", str(tree)]) == 0
    write(tree, "tests/rescissions/test_clock.py", "def test_m19_clause():\n    assert True\n")
    assert rules_index.main(["--root", str(tree), "--check"]) == 1  # a new test named after a rule


def test_titles_come_from_the_rules_digest(rules_index, tree):
    digest = write(tree, "RULES.md", """\
        ## M — the mechanism
        - **M12 The 30-day rescission clock.** Transport copies illegal-operation information to the regulator;
          the insurer decides within 30 days.
        - **M5** Transport identifies suspected vehicles (e.g. by patrols) and pushes the leads. Then more.
        ## J — practice
        - **J13 What a compulsory policy allows.** Only J5.
        - **J5 Rescission for non-disclosure.** Only where intentional.
        """)
    assert rules_index.main(["--root", str(tree), "--titles-from", str(digest)]) == 0
    assert rules_index.read_titles(tree) == [
        ("M5", "Transport identifies suspected vehicles (e.g. by patrols) and pushes the leads"),
        ("M12", "The 30-day rescission clock"),
        ("J5", "Rescission for non-disclosure"),
        ("J13", "What a compulsory policy allows"),
    ]
