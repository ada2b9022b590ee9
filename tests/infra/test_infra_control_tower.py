"""AWS Control Tower's proactive controls, as AWS publishes them in cfn-guard rules, on every synthesized
template shape (per-target stacks, the hub, the member role): every finding is either fixed or listed with its
reason in docs/permissions.md, and the list holds nothing that is no longer found.

The rules and the cfn-guard binary come pinned from npm (`@cdklabs/cdk-validator-cfnguard`, package.json);
the check runs offline. A finding is a control on a resource, named by its logical id without CDK's hash.
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from infra_helpers import REPO_ROOT, Synthesized

PACKAGE = REPO_ROOT / "node_modules" / "@cdklabs" / "cdk-validator-cfnguard"
RULES = PACKAGE / "rules" / "control-tower" / "cfn-guard"
PERMISSIONS_DOC = REPO_ROOT / "docs" / "permissions.md"
CONTROL = re.compile(r"\[(CT\.[A-Z0-9]+\.PR\.\d+)\]")
RESOURCE = re.compile(r"^/Resources/([^/]+)")
CDK_HASH = re.compile(r"[0-9A-F]{8}$")
DOC_ROW = re.compile(r"^\| (CT\.[A-Z0-9]+\.PR\.\d+) \| ([^|]+) \| ([^|]+) \|$")


def _guard_binary() -> Path:
    machine = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}
    system = "macos" if platform.system() == "Darwin" else "ubuntu"
    return PACKAGE / "bin" / system / machine[platform.machine().lower()] / "cfn-guard"


def _stem(logical_id: str) -> str:
    return CDK_HASH.sub("", logical_id)


def _strings_under(node: Any, key: str) -> list[str]:
    if isinstance(node, dict):
        found = [value for name, value in node.items() if name == key and isinstance(value, str)]
        return found + [s for value in node.values() for s in _strings_under(value, key)]
    if isinstance(node, list):
        return [s for value in node for s in _strings_under(value, key)]
    return []


def findings_of(report: list[dict[str, Any]]) -> dict[tuple[str, str], set[str]]:
    """(control id, resource stem) -> the templates where it fails."""
    found: dict[tuple[str, str], set[str]] = {}
    for document in report:
        template = Path(document["name"]).name.removesuffix(".template.json")
        for rule in document["not_compliant"]:
            controls = {c for m in _strings_under(rule, "custom_message") for c in CONTROL.findall(m)}
            resources = {RESOURCE.match(p)[1] for p in _strings_under(rule, "path") if RESOURCE.match(p)}
            assert controls, f"a finding without a control id: {rule['Rule']['name']}"
            assert resources, f"a finding without a resource: {rule['Rule']['name']}"
            for control in controls:
                for resource in resources:
                    found.setdefault((control, _stem(resource)), set()).add(template)
    return found


def documented() -> dict[tuple[str, str], str]:
    """docs/permissions.md's table of the controls not met: (control id, resource stem) -> reason."""
    rows: dict[tuple[str, str], str] = {}
    for line in PERMISSIONS_DOC.read_text(encoding="utf-8").splitlines():
        match = DOC_ROW.match(line.strip())
        if match:
            for resource in match[2].split(","):
                rows[(match[1], resource.strip().strip("`"))] = match[3].strip()
    return rows


@pytest.fixture(scope="module")
def guard_report(
    shipped: Synthesized, multi: Synthesized, partitions: Synthesized, organization: Synthesized
) -> list[dict[str, Any]]:
    binary = _guard_binary()
    assert binary.exists(), "cfn-guard is not installed: run `make node` (make test does)"
    assert RULES.is_dir(), "Control Tower's rules are not installed: run `make node` (make test does)"
    templates = sorted(
        path
        for synthesized in (shipped, multi, partitions, organization)
        for path in synthesized.outdir.glob("*.template.json")
    )
    assert len(templates) == 1 + 2 + 5 + 4
    command = [str(binary), "validate", "--rules", str(RULES), "--output-format", "json"]
    command += ["--show-summary", "none", "--structured"]
    for template in templates:
        command += ["--data", str(template)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    # 0: every rule passed; 19: some failed. Anything else is an error of cfn-guard's own.
    assert result.returncode in (0, 19), result.stderr
    report: list[dict[str, Any]] = json.loads(result.stdout)
    assert len(report) == len(templates)
    return report


def test_the_published_rules_are_the_control_towers_and_apply_here(
    guard_report: list[dict[str, Any]],
) -> None:
    assert len(list(RULES.rglob("*.guard"))) > 200
    version = json.loads((PACKAGE / "guard-version.json").read_text(encoding="utf-8"))["version"]
    assert version.startswith("3.")
    # The controls evaluate these templates: each has compliant rules, not only rules that do not apply.
    assert all(document["compliant"] for document in guard_report)


def test_every_finding_is_fixed_or_documented_with_its_reason(guard_report: list[dict[str, Any]]) -> None:
    found = findings_of(guard_report)
    rows = documented()
    undocumented = sorted(
        f"{control} on {stem} ({', '.join(sorted(found[(control, stem)]))})"
        for control, stem in found.keys() - rows.keys()
    )
    assert undocumented == []
    # A row for something no longer found is stale: the doc says only what is true.
    assert sorted(rows.keys() - found.keys()) == []
    for key, reason in rows.items():
        assert len(reason) > 40, key


def test_the_member_role_meets_every_control_that_applies(guard_report: list[dict[str, Any]]) -> None:
    member = [d for d in guard_report if "member-role" in Path(d["name"]).name]
    assert member
    assert [d["not_compliant"] for d in member] == [[] for _ in member]


def test_the_stack_key_allows_grants_only_for_aws_resources(guard_report: list[dict[str, Any]]) -> None:
    # CT.KMS.PR.3 is met, not listed: the key policy denies CreateGrant for anything but an AWS resource.
    assert not [key for key in findings_of(guard_report) if key[0] == "CT.KMS.PR.3"]
    assert not [key for key in documented() if key[0] == "CT.KMS.PR.3"]
