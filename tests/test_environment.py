"""The three descriptions of the environment agree: pyproject.toml (pip),
environment.yml (conda) and requirements.lock (the pins `make` installs)."""

import re
import sys
from pathlib import Path

import pytest

if sys.version_info < (3, 11):
    pytest.skip("tomllib (to read pyproject.toml) needs Python 3.11", allow_module_level=True)

import tomllib  # noqa: E402
import yaml  # noqa: E402
from packaging.requirements import Requirement  # noqa: E402
from packaging.specifiers import SpecifierSet  # noqa: E402
from packaging.utils import canonicalize_name  # noqa: E402
from packaging.version import Version  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def pyproject_requirements() -> dict[str, SpecifierSet]:
    """Every requirement of the project and its extras, by canonical name."""
    project = pyproject()["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines.extend(extra)
    requirements = [Requirement(line) for line in lines]
    names = [canonicalize_name(r.name) for r in requirements]
    assert len(names) == len(set(names)), f"a package is listed twice in pyproject.toml: {sorted(names)}"
    return {canonicalize_name(r.name): r.specifier for r in requirements}


def conda_spec(spec: str) -> SpecifierSet:
    """Conda's `=1.2` (1.2.*) and `==1.2` pin to 1.2; other operators read as in pip."""
    return SpecifierSet(re.sub(r"(?<![<>=!~])=(?!=)", "==", spec))


def environment() -> tuple[dict[str, SpecifierSet], list]:
    """(conda packages by canonical name, the pip section) from environment.yml."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda, pip = {}, []
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            pip.extend(entry.get("pip", []))
            continue
        name, spec = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", entry.strip()).groups()
        conda[canonicalize_name(name)] = conda_spec(spec.replace(" ", ""))
    return conda, pip


def bound(specifier: SpecifierSet, operators: tuple[str, ...]) -> set[str]:
    return {s.version for s in specifier if s.operator in operators}


def lock_pins() -> dict[str, list[tuple[Version, str]]]:
    """Every `name==version ; marker` line of requirements.lock, by canonical name."""
    pins: dict[str, list[tuple[Version, str]]] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        match = re.match(r"([A-Za-z0-9_.\-]+)==([^\s;]+)\s*(?:;\s*(.*))?$", line)
        if match:
            name, version, marker = match.groups()
            pins.setdefault(canonicalize_name(name), []).append((Version(version), marker or ""))
    return pins


def _pip_only(pip: list[str]) -> dict[str, SpecifierSet]:
    """The packages environment.yml installs with pip because conda-forge has none (all but `-e .`)."""
    found = {}
    for line in pip:
        if line != "-e .":
            req = Requirement(line.split("#")[0].strip())
            found[canonicalize_name(req.name)] = req.specifier
    return found


def test_pyproject_and_environment_name_the_same_packages():
    conda, pip = environment()
    conda_packages = set(conda) - {"python", "pip"}
    assert conda_packages | set(_pip_only(pip)) == set(pyproject_requirements())


def test_pyproject_and_environment_agree_on_bounds():
    conda, pip = environment()
    conda = {**conda, **_pip_only(pip)}
    for name, specifier in pyproject_requirements().items():
        lower = ("==", "===", ">=", "~=")
        assert bound(conda[name], lower) == bound(specifier, lower), f"{name}: lower bounds differ"
        upper = ("<", "<=")
        assert bound(conda[name], upper) == bound(specifier, upper), f"{name}: upper bounds differ"


def test_environment_installs_the_package_itself_with_pip():
    _, pip = environment()
    assert pip[0] == "-e ."


def test_environment_python_meets_requires_python():
    conda, _ = environment()
    python = next(iter(bound(conda["python"], ("==",))))
    assert SpecifierSet(pyproject()["project"]["requires-python"]).contains(python)


def test_lock_pins_every_package_pyproject_names_within_its_bounds():
    pins = lock_pins()
    for name, specifier in pyproject_requirements().items():
        assert name in pins, f"requirements.lock does not pin {name}"
        for version, marker in pins[name]:
            where = marker or "all platforms"
            assert specifier.contains(version), f"{name}=={version} ({where}) is outside {specifier}"


def test_lock_pins_each_package_once_per_python():
    """Several pins of one package must be told apart by their markers."""
    for name, entries in lock_pins().items():
        markers = [marker for _, marker in entries]
        assert len(markers) == len(set(markers)), f"{name} is pinned twice under the same marker"


def test_environment_parser_reads_conda_pins():
    assert bound(conda_spec("=0.17.6"), ("==",)) == {"0.17.6"}
    assert bound(conda_spec(">=4.2,<5"), (">=",)) == {"4.2"}
    assert bound(conda_spec(">=4.2,<5"), ("<",)) == {"5"}


def test_the_lock_leaves_out_what_the_makefile_excludes():
    """LOCK_EXCLUDES (the Makefile says why) is absent from the lock, hence from every environment."""
    excluded = re.search(r"^LOCK_EXCLUDES = (.+)$", (ROOT / "Makefile").read_text(), re.M).group(1).split()
    assert excluded and not {canonicalize_name(n) for n in excluded} & set(lock_pins())


def test_reading_a_notebook_builds_no_iri_parser():
    """nbformat validates with jsonschema, which imports rfc3987_syntax when it is installed (a second
    of CPU building parsers), in every process that reads a notebook: kernels' drivers, nbgrader, servers."""
    import subprocess

    probe = "import nbformat, sys; print('rfc3987_syntax' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout
    assert found.strip() == "False"
