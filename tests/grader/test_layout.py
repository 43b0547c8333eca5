"""The instructor's package as a newcomer reads it: the map in its __init__ names every module, and no
two modules import each other (directly or round a loop, at the top or inside a function)."""

from __future__ import annotations

import ast
from pathlib import Path

import losslab_grader

PACKAGE = Path(losslab_grader.__file__).parent


def modules() -> dict[str, Path]:
    """Dotted name below the package (classroom.grading) -> file, for every module."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "config" in path.relative_to(PACKAGE).parts:  # files the hub and servers load, not modules
            continue
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that name's file imports, anywhere in it."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1] if node.level > 1 else package
                base = [*base, *(node.module.split(".") if node.module else [])]
            elif node.module and node.module.startswith("losslab_grader"):
                base = node.module.split(".")[1:]
            else:
                continue
            for alias in node.names:
                target = ".".join([*base, alias.name])
                found.add(target if target in known else ".".join(base))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("losslab_grader."):
                    found.add(alias.name.split(".", 1)[1])
    return {m for m in found if m in known and m != name}


def test_the_map_names_every_module():
    doc = losslab_grader.__doc__
    top = {name.split(".")[0] for name in modules() if name}
    missing = sorted(m for m in top if f"    {m} " not in doc)
    assert not missing, f"modules missing from losslab_grader/__init__.py's map: {missing}"


def test_no_import_cycle():
    mods = modules()
    graph = {name: imports(name, path, set(mods)) for name, path in mods.items()}

    def cycle_from(start: str) -> list[str] | None:
        """A shortest loop of imports back to start (breadth first), or None."""
        paths, seen = [[start]], {start}
        while paths:
            trail = paths.pop(0)
            for nxt in sorted(graph[trail[-1]]):
                if nxt == start:
                    return [*trail, start]
                if nxt not in seen:
                    seen.add(nxt)
                    paths.append([*trail, nxt])
        return None

    cycles = {tuple(c) for name in graph if (c := cycle_from(name))}
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in sorted(cycles))
