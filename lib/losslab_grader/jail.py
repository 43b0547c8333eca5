"""The course library as a grading kernel sees it: losslab minus the graded reference modules.

A stub that hands its work to losslab's own implementation must not earn the
points, and no check inside the student's interpreter can stop that reliably
(a function can be rebuilt under another name, a profiler unhooked). So the
modules that implement what an assignment grades simply do not exist in the
jail: importing them is an ImportError. What stays is an allow-list: the
helpers every assignment may use (:data:`HELPERS`), the modules the released
notebook itself imports outside solution cells (assignment 07 hands students
the SVM and softmax losses), and whatever those import in turn.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

#: Modules of losslab every assignment may use (the checks, the data, numerical gradients, plots).
HELPERS = ("__init__", "_validate", "checks", "data", "gradient_check", "plots")


def _imported(source: str, package: str = "losslab") -> set[str]:
    """Top-level modules of package that source imports (absolute or relative)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found |= {a.name for a in node.names}
            elif node.module and node.module.split(".")[0] == package and "." in node.module:
                found.add(node.module.split(".")[1])
            elif node.module == package:
                found |= {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith(package + ".")}
    return found


def allowed_modules(release_nb, package_dir: Path) -> set[str]:
    """The helpers, the modules the release imports outside solution cells, and their imports."""
    wanted = set(HELPERS)
    for cell in release_nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and not meta.get("solution"):
            wanted |= _imported(cell.source)
    todo = list(wanted)
    while todo:
        module = package_dir / f"{todo.pop()}.py"
        if module.exists():
            for dep in _imported(module.read_text()) - wanted:
                wanted.add(dep)
                todo.append(dep)
    return {m for m in wanted if (package_dir / f"{m}.py").exists()}


def jail_library(release_nb, package_dir: Path, dest: Path) -> Path:
    """Copy the allowed modules of package_dir into dest (a package of the same name); return dest."""
    dest.mkdir(parents=True)
    for module in sorted(allowed_modules(release_nb, package_dir)):
        shutil.copy2(package_dir / f"{module}.py", dest / f"{module}.py")
    for extra in ("py.typed",):
        if (package_dir / extra).exists():
            shutil.copy2(package_dir / extra, dest / extra)
    return dest
