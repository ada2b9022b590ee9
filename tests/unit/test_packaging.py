"""What `pip install .` gives: the tool and its declared dependencies, which are the function's pins."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from importlib import metadata
from pathlib import Path

import glacier_cleanup
import pytest
from glacier_cleanup.cli import build_parser

REPO = Path(__file__).resolve().parents[2]


DISTRIBUTION = "glacier-multipart-cleanup"


def test_declared_dependencies_are_exactly_requirements_txt() -> None:
    pins = [
        line.strip()
        for line in (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if re.match(r"^[A-Za-z]", line.strip())
    ]
    cdk = [
        line.strip()
        for line in (REPO / "requirements-cdk.txt").read_text(encoding="utf-8").splitlines()
        if re.match(r"^[A-Za-z]", line.strip())
    ]
    assert metadata.requires(DISTRIBUTION) == pins + [f'{pin}; extra == "cdk"' for pin in cdk]
    assert len(pins) == 4
    assert {pin.split("==")[0] for pin in cdk} == {"aws-cdk-lib", "constructs", "cdk-nag"}


def test_the_tool_and_the_constructs_are_packaged_with_every_layer() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    find = config["packages"]["find"]
    roots = {"lambda_src": "glacier_cleanup", "infra": "glacier_cleanup_cdk"}
    on_disk = {
        ".".join(path.parent.relative_to(REPO / root).parts)
        for root, package in roots.items()
        for path in (REPO / root / package).rglob("*.py")
    }
    # Every folder of both packages is found (a layer left out installs something that cannot import).
    assert find["where"] == list(roots)
    assert all(any(fnmatch.fnmatchcase(name, pattern) for pattern in find["include"]) for name in on_disk)
    assert {"glacier_cleanup.core", "glacier_cleanup.aws", "glacier_cleanup_cdk.organization"} <= on_disk
    provided = metadata.packages_distributions()
    assert DISTRIBUTION in provided["glacier_cleanup"]
    assert DISTRIBUTION not in provided.get("glacier_emulator", [])


def test_version_flag_metadata_and_package_agree(capsys: pytest.CaptureFixture[str]) -> None:
    assert metadata.version(DISTRIBUTION) == glacier_cleanup.__version__
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"glacier-cleanup {glacier_cleanup.__version__}\n"
