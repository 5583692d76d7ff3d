"""The dependency graph between apps is read at the top of each module (issue 18): ``.importlinter`` declares the
layers and ``lint-imports`` checks them, and an import of another app inside a function or method body stays
there only with a comment naming why (``AppConfig.ready()`` and the rest of an ``apps.py``, which load before the
models; a same-layer pair; an optional dependency loaded when used). The comment is on the import, on the line just
before it, or heads the run of consecutive import statements the import belongs to. Migrations are left out."""

import ast
import io
import re
import textwrap
import tokenize
from pathlib import Path

APPS = Path(__file__).resolve().parent.parent / "apps"

STATEMENT_LISTS = ("body", "orelse", "finalbody")
NOT_A_REASON = re.compile(r"#\s*(noqa|type:|pragma:|isort:|fmt:)")  # a tool's directive says no why


def other_apps(node: ast.stmt, package: tuple[str, ...]) -> list[str]:
    """The modules of apps other than the package's own (``package``: ``("apps", "claims", "api")``) that an
    import statement names, relative imports resolved."""
    if isinstance(node, ast.Import):
        modules = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        base = package[:len(package) - node.level + 1] if node.level else ()
        if node.level and len(base) < 1:
            return []
        module = ".".join((*base, *(node.module.split(".") if node.module else ())))
        # ``from apps import policies``, ``from .. import policies``: the names are the modules
        modules = [f"{module}.{alias.name}" for alias in node.names] if module == "apps" else [module]
    else:
        return []
    own = package[1] if len(package) > 1 else None
    return [m for m in modules if m.split(".")[0] == "apps" and len(m.split(".")) > 1 and m.split(".")[1] != own]


def unexplained_body_imports(source: str, package: tuple[str, ...]) -> list[tuple[int, str]]:
    """``(line, module)`` of each import of another app in a function body without a comment naming why."""
    lines = source.splitlines()
    comments = {tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                if tok.type == tokenize.COMMENT and not NOT_A_REASON.match(tok.string)}

    def comment_before(node: ast.stmt) -> bool:
        return node.lineno > 1 and lines[node.lineno - 2].lstrip().startswith("#") and node.lineno - 1 in comments

    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        in_function = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for field in STATEMENT_LISTS:
            head = None  # the first statement of the current run of consecutive imports
            statements = getattr(node, field, None)
            for stmt in statements if isinstance(statements, list) else []:
                if not isinstance(stmt, ast.Import | ast.ImportFrom):
                    head = None
                    continue
                head = head or stmt
                if not in_function:
                    continue
                explained = (any(n in comments for n in range(stmt.lineno, stmt.end_lineno + 1))
                             or comment_before(stmt) or comment_before(head))
                if not explained:
                    found.extend((stmt.lineno, module) for module in other_apps(stmt, package))
        for child in ast.iter_child_nodes(node):
            visit(child, in_function)

    visit(ast.parse(source), False)
    return sorted(found)


def test_the_check_finds_an_import_of_another_app_without_a_reason():
    source = textwrap.dedent('''\
        from apps.core.models import Deadline


        def ready():
            # in ready(): models are loaded only now
            from apps.core import home
            from apps.parties.models import Role

            from .demo import seed


        def explained_on_the_line():
            from apps.exchange import pdfsign  # the reason, on the line


        def unexplained():
            """A docstring is no reason."""
            from apps.vehicles.models import Vehicle
            if True:
                import apps.policies.models
            from apps.leads import services  # noqa: F401
            from apps.claims.models import Claim
            from .models import Lead
            from ..vehicles import services
            from .. import policies


        class Panel:
            def rows(self):
                from apps.credit.models import CreditRecord

                x = 1  # a comment after the import is no reason
        ''')
    assert unexplained_body_imports(source, ("apps", "claims")) == [
        (18, "apps.vehicles.models"), (20, "apps.policies.models"), (21, "apps.leads"), (24, "apps.vehicles"),
        (25, "apps.policies"), (30, "apps.credit.models")]


def test_imports_of_another_app_in_a_function_body_name_why():
    missing = []
    for path in sorted(APPS.rglob("*.py")):
        relative = path.relative_to(APPS)
        if "migrations" in relative.parts:
            continue
        package = ("apps", *relative.parent.parts)
        for line, module in unexplained_body_imports(path.read_text(encoding="utf-8"), package):
            missing.append(f"apps/{relative}:{line}: {module}")
    assert not missing, ("imports of another app in a function body without a comment naming why (move them to "
                         "the top of the module, or say why they stay):\n" + "\n".join(missing))
