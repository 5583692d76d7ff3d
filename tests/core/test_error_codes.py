"""Error codes (issue 18): every code an error is raised with is a member of an app's ``ErrorCode`` enum.

The source of apps/ is read with ``ast``: every construction of ``ApplicationError`` or one of its subclasses, and
every call of a helper that forwards its ``code`` parameter to one, must name its code as an enum member
(``code=ErrorCode.POLICY_OVERLAP``), never as a string; the enums' values are unique across apps (the codes several
apps share are the kernel's, apps/core/errors.py); the OpenAPI schema's ``ErrorCodeEnum`` is their union.
"""

from __future__ import annotations

import ast
import functools
import importlib
import re
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.core.errors import ApplicationError, ErrorCode, all_error_codes, error_code_enums

APPS = Path(__file__).resolve().parents[2] / "apps"
# The exception classes of the family the scan knows by name before it reads the sources (it adds every class
# defined in apps/ that derives from one of them).
KERNEL_ERRORS = {"ApplicationError", "PermissionDeniedError", "ConflictError"}
# Only DRF and the handler itself raise these: no raise site in apps/ has to use them.
API_ONLY = {ErrorCode.NOT_AUTHENTICATED, ErrorCode.AUTHENTICATION_FAILED, ErrorCode.METHOD_NOT_ALLOWED,
            ErrorCode.NOT_ACCEPTABLE, ErrorCode.UNSUPPORTED_MEDIA_TYPE, ErrorCode.PARSE_ERROR, ErrorCode.ERROR,
            ErrorCode.NOT_FOUND}


@functools.cache
def _sources() -> dict[str, ast.Module]:
    """The parsed modules of apps/ (parsed once for the tests of this file; the scans only read them)."""
    trees = {}
    for path in sorted(APPS.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = ".".join(path.relative_to(APPS.parent).with_suffix("").parts).removesuffix(".__init__")
        trees[module] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return trees


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def error_classes(trees: dict[str, ast.Module]) -> set[str]:
    """The family's class names: the kernel's and every class in apps/ deriving from one of them."""
    names = set(KERNEL_ERRORS)
    while True:
        more = {node.name for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
                and any(_name(base) in names for base in node.bases)} - names
        if not more:
            return names
        names |= more


def _code_param(func: ast.FunctionDef) -> tuple[int | None, ast.expr | None] | None:
    """(positional index, default) of a function's ``code`` parameter, or None when it has none."""
    positional = func.args.posonlyargs + func.args.args
    for index, arg in enumerate(positional):
        if arg.arg == "code":
            defaults = func.args.defaults
            offset = index - (len(positional) - len(defaults))
            return index, (defaults[offset] if offset >= 0 else None)
    for arg, default in zip(func.args.kwonlyargs, func.args.kw_defaults, strict=True):
        if arg.arg == "code":
            return None, default
    return None


def _constructions(node: ast.AST, errors: set[str]):
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and _name(call.func) in errors:
            yield call


def scan(tree: ast.Module, errors: set[str]) -> list[tuple[int, ast.expr | None, bool]]:
    """Every code given to an error in ``tree``: (line, expression, whether it may be the helper's own ``code``).

    A forwarding helper is a function with a ``code`` parameter that it passes on as ``code=code`` to an error
    (``_invalid(field, message, code)``, an error class's ``__init__``): its default and the codes its callers in
    the module pass are checked in its place. A positional code (``ApplicationError(message, "x")``) is reported
    as ``None`` (the errors take ``code`` by keyword only).
    """
    found: list[tuple[int, ast.expr | None, bool]] = []
    helpers: dict[str, tuple[int | None, ast.expr | None]] = {}
    inside_helpers: set[int] = set()
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef) or (param := _code_param(func)) is None:
            continue
        forwards = any(isinstance(kw.value, ast.Name) and kw.value.id == "code"
                       for call in ast.walk(func) if isinstance(call, ast.Call)
                       and (_name(call.func) in errors or _name(call.func) == "__init__")
                       for kw in call.keywords if kw.arg == "code")
        if forwards:
            helpers[func.name] = param
            inside_helpers |= {id(call) for call in ast.walk(func) if isinstance(call, ast.Call)}
            if param[1] is not None:
                found.append((func.lineno, param[1], False))
    # an error class passing its code up (``super().__init__(message, code=...)``) constructs one too
    passing_up = {id(call) for cls in ast.walk(tree) if isinstance(cls, ast.ClassDef) and cls.name in errors
                  for call in ast.walk(cls) if isinstance(call, ast.Call) and _name(call.func) == "__init__"}
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        name = _name(call.func)
        if name in errors or id(call) in passing_up:
            if len(call.args) > 1:
                found.append((call.lineno, None, False))
            found += [(call.lineno, kw.value, id(call) in inside_helpers) for kw in call.keywords if kw.arg == "code"]
        elif isinstance(call.func, ast.Name) and name in helpers:
            index = helpers[name][0]
            found += [(call.lineno, kw.value, False) for kw in call.keywords if kw.arg == "code"]
            if index is not None and len(call.args) > index:
                found.append((call.lineno, call.args[index], False))
    return found


def problems(expr: ast.expr | None, namespace: dict, members: set, forwarded: bool = False) -> list[str]:
    """Why ``expr`` is not a registered enum member (empty when it is); ``forwarded``: the construction is in a
    helper that forwards its ``code`` parameter."""
    if expr is None:
        return ["the code is passed positionally"]
    if isinstance(expr, ast.IfExp):
        return problems(expr.body, namespace, members) + problems(expr.orelse, namespace, members)
    if forwarded and isinstance(expr, ast.Name) and expr.id == "code":
        return []  # a helper's own parameter: checked at its callers
    if isinstance(expr, ast.Attribute) and expr.attr == "code" and isinstance(expr.value, ast.Name):
        return []  # an error raised again with the code of the one it replaces (``code=exc.code``)
    if isinstance(expr, ast.Constant):
        return [f"the code {expr.value!r} is a literal: name an ErrorCode member"]
    node = expr
    while isinstance(node, ast.Attribute):
        node = node.value
    if not isinstance(node, ast.Name):
        return [f"the code {ast.unparse(expr)} is not an ErrorCode member"]
    try:
        value = eval(compile(ast.Expression(expr), "<code>", "eval"), dict(namespace))  # noqa: S307 - names only
    except (AttributeError, NameError) as exc:
        return [f"the code {ast.unparse(expr)} does not resolve: {exc}"]
    if not any(value is member for member in members):  # members equal their strings: compare identities
        return [f"the code {ast.unparse(expr)} is not a member of a registered ErrorCode enum"]
    return []


def namespace_of(module: str, tree: ast.Module) -> dict:
    """The module's globals, with the names it imports inside functions (``from apps.core.errors import …``)."""
    namespace = dict(vars(importlib.import_module(module)))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("apps.") and node.level == 0:
            source = importlib.import_module(node.module)
            for alias in node.names:
                namespace.setdefault(alias.asname or alias.name, getattr(source, alias.name, None))
    return namespace


def _registered_members() -> set:
    return {member for enum in error_code_enums().values() for member in enum}


def test_every_raise_site_names_a_registered_member():
    trees = _sources()
    errors = error_classes(trees)
    members = _registered_members()
    found = []
    for module, tree in trees.items():
        sites = scan(tree, errors)
        if not sites:
            continue
        namespace = namespace_of(module, tree)
        found += [f"{module}:{line}: {p}" for line, expr, forwarded in sites
                  for p in problems(expr, namespace, members, forwarded)]
    assert found == []


def test_the_scan_sees_the_raise_sites():
    """The scan is not vacuous: it finds the family's subclasses and hundreds of codes across the apps."""
    trees = _sources()
    errors = error_classes(trees)
    assert {"TooManyRequestsError", "ImportFileError", "InvalidCursor"} <= errors
    sites = [(module, line) for module, tree in trees.items() for line, _e, _d in scan(tree, errors)]
    assert len(sites) > 300
    assert {module.split(".")[1] for module, _line in sites} >= {
        "claims", "complaints", "core", "credit", "dashboard", "exchange", "imports", "inspections", "leads",
        "policies", "rescissions", "ridehailing", "vehicles"}


SOURCE_WITH_LITERAL = '''
from apps.core.errors import ConflictError, ErrorCode

def publish(standard):
    raise ConflictError("overlap", code="policy_overlap")

def _refuse(field, message, code=ErrorCode.INVALID):
    raise ConflictError(message, code=code, extra={"fields": {field: [message]}})

def check(x):
    _refuse("reason", "missing", "reason_missing")
    _refuse("reason", "missing", code=ErrorCode.REASON_REQUIRED)
    raise ConflictError("x", code=ErrorCode.NO_SUCH_CODE if x else ErrorCode.CONFLICT)

class StaleError(ConflictError):
    def __init__(self, message, *, code="stale"):
        super().__init__(message, code=code)

class CursorError(ApplicationError):
    def __init__(self):
        super().__init__("edited", code="invalid_cursor")

def stale():
    raise StaleError("stale", code=Other.STALE)

def local():
    code = "stale"
    raise ConflictError("x", code=code)
'''


def test_a_literal_code_fails_the_check():
    """The check can fail: literals (direct, through a forwarding helper, as an error class's default) and names
    that are no member are reported, members are not."""
    import enum

    class Other(enum.StrEnum):
        STALE = "stale"

    tree = ast.parse(SOURCE_WITH_LITERAL)
    errors = error_classes({"x": tree})
    assert {"StaleError", "CursorError"} <= errors
    namespace = {"ErrorCode": ErrorCode, "ConflictError": ApplicationError, "Other": Other}
    reported = {line: p for line, expr, forwarded in scan(tree, errors)
                for p in problems(expr, namespace, _registered_members(), forwarded)}
    lines = SOURCE_WITH_LITERAL.splitlines()
    assert sorted(reported) == [
        i + 1 for i, text in enumerate(lines)
        if '"policy_overlap"' in text or '"reason_missing"' in text or "NO_SUCH_CODE" in text
        or 'code="stale"' in text or "Other.STALE" in text or '"invalid_cursor"' in text or text.endswith("(\"x\", code=code)")]
    assert "literal" in reported[next(i + 1 for i, t in enumerate(lines) if '"policy_overlap"' in t)]


def test_codes_are_unique_across_apps_and_described():
    """A code belongs to one enum: the codes several apps raise are the kernel's (apps/core/errors.py). Each has an
    English description of its own (not the name Django would make up)."""
    owners: dict[str, list[str]] = {}
    for label, enum in error_code_enums().items():
        for member in enum:
            owners.setdefault(member.value, []).append(label)
            assert member.label != member.name.replace("_", " ").title(), f"{label}.{member.name}: describe it"
            assert re.fullmatch(r"[ -~]+", str(member.label)), f"{label}.{member.name}: English description"
    assert {code: labels for code, labels in owners.items() if len(labels) > 1} == {}
    assert "core" in error_code_enums() and len(owners) > 200


def test_every_code_is_raised_or_answered():
    """Every enum's codes are each raised somewhere in apps/ (or, the kernel's API codes, answered by the API
    handler itself): the schema lists no code the platform never answers with."""
    trees = _sources()
    errors = error_classes(trees)
    used = set()
    for module, tree in trees.items():
        sites = scan(tree, errors)
        if sites:
            namespace = namespace_of(module, tree)
            for _line, expr, _d in sites:
                for branch in ([expr.body, expr.orelse] if isinstance(expr, ast.IfExp) else [expr]):
                    try:
                        used.add(eval(compile(ast.Expression(branch), "<code>", "eval"), dict(namespace)))  # noqa: S307
                    except Exception:  # noqa: BLE001, S112 - forwarded parameters and pass-throughs
                        continue
    assert {member.value for member in _registered_members() - API_ONLY if member not in used} == set()


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_lists_every_code_with_its_description(schema):
    components = schema["components"]["schemas"]
    enum = components["ErrorCodeEnum"]
    codes = all_error_codes()
    assert set(enum["enum"]) == {member.value for member in _registered_members()}
    assert len(enum["enum"]) == len(set(enum["enum"]))
    assert dict(zip(enum["enum"], enum["x-enum-descriptions"], strict=True)) == codes
    for code, description in codes.items():
        assert f"* `{code}` - {description}" in enum["description"]
    error = components["ErrorResponse"]["properties"]["error"]
    assert error["properties"]["code"] == {"$ref": "#/components/schemas/ErrorCodeEnum"}


def test_every_operation_documents_its_client_errors(schema):
    """Each operation's 4xx answers are the error shape (unless it documents its own), so the API fuzzing checks
    the codes the running API answers with against the enum (tests/fuzz)."""
    ref = {"$ref": "#/components/schemas/ErrorResponse"}
    operations = [op for path in schema["paths"].values() for op in path.values() if isinstance(op, dict)]
    assert len(operations) > 80
    for operation in operations:
        errors = {status: r for status, r in operation["responses"].items() if str(status).startswith("4")}
        assert errors, operation["operationId"]
        if "4XX" in errors:
            assert errors["4XX"]["content"]["application/json"]["schema"] == ref


def test_a_post_to_an_unknown_api_url_answers_in_the_error_shape_not_the_csrf_page(db):
    """Found by the API fuzzing once 4xx answers were documented: a POST (no CSRF token) to a path under /api/v1/
    that no API view serves got the HTML CSRF failure page; it is a 404 in the shape, with a registered code."""
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/api/v1/complaints/1.5/resolve/", {"x": "1"})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == ErrorCode.NOT_FOUND.value
    assert response.json()["error"]["code"] in all_error_codes()
