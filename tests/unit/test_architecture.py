"""The shape ARCHITECTURE.md fixes, checked on the source tree."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from devstack.template import ROOT, load_template

FUNCTIONS = ROOT / "functions"
CAPABILITIES = ("bookings", "crm", "invoices", "whatsapp", "deploy_agent")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_capability_imports_another() -> None:
    offences = []
    for capability in CAPABILITIES:
        for path in (FUNCTIONS / capability).rglob("*.py"):
            for module in imported_modules(path):
                parts = module.split(".")
                if parts[0] == "functions" and len(parts) > 1 and parts[1] != capability:
                    offences.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offences == []


def test_shared_imports_no_capability() -> None:
    offences = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / "shared").rglob("*.py")
        for module in imported_modules(path)
        if module.startswith("functions")
    ]
    assert offences == []


def test_every_capability_has_an_http_function_with_a_mangum_handler() -> None:
    template = load_template()
    prefixes = {f.path_prefix: f.handler for f in template.http_functions}
    for capability in CAPABILITIES:
        handler = prefixes[f"/api/{capability}"]
        assert handler == f"functions.{capability}.app.handler"
        source = (FUNCTIONS / capability / "app.py").read_text()
        assert 'handler = Mangum(app, lifespan="off")' in source


def test_every_template_handler_exists_and_has_requirements() -> None:
    template = load_template()
    handlers = [f.handler for f in template.http_functions]
    handlers += [c.handler for c in template.consumers] + [s.handler for s in template.schedules]
    for handler in handlers:
        _, capability, module, name = handler.split(".")
        source = (FUNCTIONS / capability / f"{module}.py").read_text()
        assert f"def {name}(" in source or f"{name} = " in source, handler
        assert (FUNCTIONS / capability / "requirements.txt").exists()


def test_every_consumer_queue_has_a_dead_letter_queue() -> None:
    template = load_template()
    for consumer in template.consumers:
        queue = template.queues[consumer.queue]
        assert queue.dead_letter_queue in template.queues
        assert queue.max_receive_count is not None
        assert queue.max_receive_count > 1
        assert consumer.reports_batch_item_failures


def test_firestore_rules_deny_every_client() -> None:
    rules = (ROOT / "firestore.rules").read_text()
    assert "allow read, write: if false;" in rules
    assert "if true" not in rules


def test_declared_indexes_are_well_formed() -> None:
    indexes = json.loads((ROOT / "firestore.indexes.json").read_text())
    for index in indexes["indexes"]:
        assert len(index["fields"]) >= 2
        assert all(f["order"] in ("ASCENDING", "DESCENDING") for f in index["fields"])


SOURCE_ROOTS = ("functions", "shared", "devstack")


def _source_files() -> list[Path]:
    return [path for root in SOURCE_ROOTS for path in sorted((ROOT / root).rglob("*.py"))]


def test_collections_are_named_only_in_shared_firestore() -> None:
    """Every collection is a `Collections` member: no `.collection("...")`
    with a string, and no module constant spelling a collection's name."""
    from shared.firestore import Collections

    names = {member.value for member in Collections}
    offences = []
    for path in _source_files():
        if path == ROOT / "shared" / "firestore.py":
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in ("collection", "document") and node.args:
                    first = node.args[0]
                    if isinstance(first, ast.Constant | ast.JoinedStr) and called == "collection":
                        offences.append(f"{where} names a collection with a string")
                    elif (
                        isinstance(first, ast.Constant)
                        and isinstance(first.value, str)
                        and first.value.split("/")[0] in names
                        and "/" in first.value
                    ):
                        offences.append(f"{where} spells a document path {first.value!r}")
            elif (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and node.value.value in names
                and node.col_offset == 0
            ):
                offences.append(f"{where} defines {node.value.value!r} outside Collections")
    assert offences == []


ENTRY_MODULES = ("routes.py", "handlers.py", "consumers.py", "app.py", "schedules.py")
DATABASE_NAMES = {"client", "collection", "Collections", "run_transaction", "paginate"}


def _is_entry_module(path: Path) -> bool:
    """HTTP routes, Lambda handlers, consumers and webhooks: the outer layer."""
    name = path.name
    return name in ENTRY_MODULES or name.endswith(("_routes.py", "_app.py", "webhooks.py"))


def _type_only_imports(tree: ast.Module) -> set[ast.AST]:
    """Imports under `if TYPE_CHECKING:` (annotations, not database access)."""
    return {
        inner
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }


def test_routes_and_handlers_reach_firestore_only_through_a_store() -> None:
    """Routes, handlers, consumers and webhooks call their capability's
    store; only stores (and shared/) touch the Firestore client."""
    offences = []
    for capability in CAPABILITIES:
        for path in sorted((FUNCTIONS / capability).rglob("*.py")):
            if not _is_entry_module(path):
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            typing_only = _type_only_imports(tree)
            for node in ast.walk(tree):
                where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
                if isinstance(node, ast.ImportFrom) and node.module == "shared.firestore":
                    used = {alias.name for alias in node.names} & DATABASE_NAMES
                    if used:
                        offences.append(f"{where} imports {sorted(used)}")
                elif isinstance(node, ast.Import | ast.ImportFrom) and node not in typing_only:
                    modules = (
                        [node.module or ""]
                        if isinstance(node, ast.ImportFrom)
                        else [alias.name for alias in node.names]
                    )
                    if any(module.startswith("google.cloud") for module in modules):
                        offences.append(f"{where} imports {modules}")
    assert offences == []


def test_every_module_stays_under_400_lines() -> None:
    """Split by use case before a module grows past what one reads at once."""
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _source_files()
        if (lines := len(path.read_text().splitlines())) >= 400
    }
    assert long == {}
