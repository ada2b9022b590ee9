"""The package's layout is its architecture: these rules keep it that way (docs/design.md, CONTRIBUTING.md).

- core/ (the domain) imports nothing from aws/, inputs/, terminal/ or the entry points, and no boto3,
  botocore, pydantic or Powertools: it is plain Python a newcomer can read without AWS in mind.
- only aws/ imports boto3 or botocore, also under TYPE_CHECKING (a type import is still a dependency).
- inputs/ (settings and events) does not reach into the adapters or the entry points.

The imports are read from the source (ast), not from a running interpreter, so a lazy import inside a
function counts as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

import glacier_cleanup
import pytest

# The package as imported (the mutation-testing copy too), not a path relative to this file.
PACKAGE = Path(glacier_cleanup.__file__).resolve().parent
ENTRY_POINTS = ("glacier_cleanup.handler", "glacier_cleanup.org_handler", "glacier_cleanup.cli")
AWS_SDK = ("boto3", "botocore", "mypy_boto3_glacier", "mypy_boto3_sts", "mypy_boto3_s3")
FRAMEWORKS = ("pydantic", "aws_lambda_powertools")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from glacier_cleanup import handler` imports the module handler.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


MODULES = {_module_name(path): _imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _violations(layer: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    found = {
        module: sorted(name for name in imports if _within(name, forbidden))
        for module, imports in MODULES.items()
        if _within(module, (layer,))
    }
    return {module: names for module, names in found.items() if names}


def test_the_layers_exist_and_hold_modules() -> None:
    for layer in ("core", "aws", "inputs", "terminal"):
        members = [m for m in MODULES if m.startswith(f"glacier_cleanup.{layer}.")]
        assert members, f"glacier_cleanup/{layer}/ has no modules"


def test_core_imports_no_adapter_input_entry_point_or_framework() -> None:
    forbidden = (
        "glacier_cleanup.aws",
        "glacier_cleanup.inputs",
        "glacier_cleanup.terminal",
        *ENTRY_POINTS,
        *AWS_SDK,
        *FRAMEWORKS,
    )
    assert _violations("glacier_cleanup.core", forbidden) == {}


def test_inputs_import_no_adapter_or_entry_point() -> None:
    forbidden = ("glacier_cleanup.aws", "glacier_cleanup.terminal", *ENTRY_POINTS, *AWS_SDK)
    assert _violations("glacier_cleanup.inputs", forbidden) == {}


def test_only_the_adapters_import_the_aws_sdk() -> None:
    outside = {
        module: sorted(name for name in imports if _within(name, AWS_SDK))
        for module, imports in MODULES.items()
        if not _within(module, ("glacier_cleanup.aws",))
    }
    assert {module: names for module, names in outside.items() if names} == {}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import boto3\n", {"boto3"}),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import botocore.config\n",
            {"typing", "typing.TYPE_CHECKING", "botocore.config"},
        ),
        (
            "def f():\n    from glacier_cleanup import handler\n",
            {"glacier_cleanup", "glacier_cleanup.handler"},
        ),
        ("from . import sibling\n", set()),
    ],
)
def test_the_reader_sees_every_kind_of_import(tmp_path: Path, source: str, expected: set[str]) -> None:
    module = tmp_path / "module.py"
    module.write_text(source)
    assert _imports(module) == expected


# Modules without a unit test file of their own, and why; every other has tests/unit/<layer>/test_<m>.py.
NO_TEST_FILE = {
    "glacier_cleanup.__main__": "one call to cli.main (the package's tests run the installed command)",
    "glacier_cleanup.core.ports": "a Protocol: declarations only",
    "glacier_cleanup.inputs.types": "type aliases only",
    "glacier_cleanup.terminal.exits": "exit codes only",
    "glacier_cleanup.org_handler": "needs Organizations: tests/integration/test_org_handler.py",
}


def test_every_module_with_logic_has_a_test_file_named_after_it() -> None:
    unit = Path(__file__).resolve().parent
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        if path.name == "__init__.py" or name in NO_TEST_FILE:
            continue
        layer = path.parent.relative_to(PACKAGE)
        if not (unit / layer / f"test_{path.stem}.py").is_file():
            missing.append(f"{name}: tests/unit/{layer.as_posix()}/test_{path.stem}.py".replace("/./", "/"))
    assert missing == []
    assert (unit.parent / "integration" / "test_org_handler.py").is_file()
