"""The package claims every Python from `requires-python`'s lowest minor: no module may use newer syntax.

`make install-check` runs the terminal tool's tests on each claimed minor; these tests fail faster, on
every module of both packages (the tool and the constructs), including code those tests never reach.
"""

from __future__ import annotations

import ast
import re
import subprocess
import tomllib
from pathlib import Path

import glacier_cleanup
import glacier_cleanup_cdk
import pytest

REPO = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
LOWEST = re.match(r">=(3)\.(\d+)", PROJECT["requires-python"])
assert LOWEST is not None
LOWEST_VERSION = (int(LOWEST[1]), int(LOWEST[2]))
# Both packages as imported (the mutation-testing copy too).
PACKAGES = (
    Path(glacier_cleanup.__file__).resolve().parent,
    Path(glacier_cleanup_cdk.__file__).resolve().parent,
)
MODULES = sorted(path for package in PACKAGES for path in package.rglob("*.py"))


def test_the_lowest_claimed_python_is_3_11() -> None:
    assert LOWEST_VERSION == (3, 11)
    assert len(MODULES) > 60  # both packages were found


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(path.parents[1])))
def test_no_module_uses_grammar_newer_than_the_lowest_python(path: Path) -> None:
    # ast's feature_version rejects what the parser knows to be newer (PEP 695 type parameters, `type`).
    ast.parse(path.read_text(encoding="utf-8"), filename=str(path), feature_version=LOWEST_VERSION)


def test_every_module_compiles_on_the_lowest_python(tmp_path: Path) -> None:
    # The real interpreter catches what ast's feature_version does not (PEP 701 f-strings, for one).
    minor = f"{LOWEST_VERSION[0]}.{LOWEST_VERSION[1]}"
    if not (REPO / "scripts" / "find-python").is_file():
        pytest.skip("no scripts/ here (the mutation-testing copy)")
    found = subprocess.run(
        [str(REPO / "scripts" / "find-python"), minor], capture_output=True, text=True, check=False
    )
    if found.returncode != 0:
        pytest.skip(f"no Python {minor} here: make install-check fails for the same reason")
    code = (
        "import py_compile, sys\n"
        "for path in sys.argv[2:]:\n"
        "    py_compile.compile(path, cfile=sys.argv[1] + '/x.pyc', doraise=True)\n"
    )
    compiled = subprocess.run(
        [found.stdout.strip(), "-c", code, str(tmp_path), *map(str, MODULES)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert compiled.returncode == 0, compiled.stderr
