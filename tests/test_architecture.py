"""The house rules, checked on the source: where task names may appear, what the core imports,
and that imports (lazy ones too) form no loop."""

import ast
import re
from pathlib import Path

import pytest

from wann_viz.tasks.specs import BUILTIN_SPECS

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "wann_viz"
TASK_NAMES = {spec.name for spec in BUILTIN_SPECS}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _docstring_nodes(tree) -> set:
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docs.add(id(first.value))
    return docs


def test_no_code_outside_tasks_names_a_task():
    found = []
    for name, path in list(_modules()) + [("app", ROOT / "app.py")]:
        if name.startswith("wann_viz.tasks"):
            continue
        tree = ast.parse(path.read_text())
        docs = _docstring_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in TASK_NAMES and id(node) not in docs:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert found == []


def test_the_browser_scripts_name_no_task():
    pattern = re.compile(r"""['"](%s)['"]""" % "|".join(sorted(TASK_NAMES)))
    found = [f"{p.name}:{i}" for p in sorted((ROOT / "assets").glob("*.js"))
             for i, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert found == []


def _imports(tree, module: str, package: bool) -> set:
    """wann_viz modules a module imports, at any depth (lazy imports too), except type-checking ones."""
    out = set()
    base = module.split(".") if package else module.split(".")[:-1]
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            skip |= {id(n) for child in node.body for n in ast.walk(child)}
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("wann_viz")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                target = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("wann_viz"):
                out.add(target)
                out |= {f"{target}.{a.name}" for a in node.names}
    return out


def test_imports_form_no_loop():
    # A package and its own submodules are not a loop of the kind that bites.
    modules = dict(_modules())
    graph = {}
    for name, path in modules.items():
        deps = _imports(ast.parse(path.read_text()), name, path.name == "__init__.py")
        graph[name] = {d for d in deps if d in modules and d != name
                       and not d.startswith(name + ".") and not name.startswith(d + ".")}
    state: dict[str, int] = {}

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                pytest.fail("import loop: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_core_modules_never_import_dash_or_plotly():
    bad = []
    for name, path in _modules():
        if name.startswith("wann_viz.ui"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            bad += [f"{name}: {n}" for n in names if n.split(".")[0] in ("dash", "plotly")]
    assert bad == []


def test_benchmarks_and_scripts_do_not_patch_sys_path():
    offenders = [p.name for d in ("benchmarks", "scripts") for p in (ROOT / d).glob("*.py")
                 if "sys.path" in p.read_text()]
    assert offenders == []
