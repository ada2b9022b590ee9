"""checkov (pinned, in .venv-checkov: `make checkov-install`) on every synthesized template shape: zero
failed checks, and every skip is one check on one resource with a specific reason."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from infra_helpers import REPO_ROOT, Synthesized

CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"


@pytest.fixture(scope="module")
def checkov_report(
    shipped: Synthesized, multi: Synthesized, partitions: Synthesized, organization: Synthesized
) -> list[dict[str, Any]]:
    assert CHECKOV.exists(), "checkov is not installed: run `make checkov-install` (make test does)"
    templates = sorted(
        str(path)
        for synthesized in (shipped, multi, partitions, organization)
        for path in synthesized.outdir.glob("*.template.json")
    )
    assert len(templates) == 1 + 2 + 5 + 4
    command = [str(CHECKOV), "--framework", "cloudformation", "--output", "json", "--compact"]
    for template in templates:
        command += ["--file", template]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.stdout, result.stderr
    report = json.loads(result.stdout)
    return report if isinstance(report, list) else [report]


def test_checkov_finds_no_failed_check(checkov_report: list[dict[str, Any]]) -> None:
    failed = [
        f"{check['check_id']} {check['resource']} ({Path(check['file_path']).name})"
        for section in checkov_report
        for check in section["results"]["failed_checks"]
    ]
    assert failed == []
    assert sum(section["summary"]["passed"] for section in checkov_report) > 100


def test_every_skip_is_acknowledged_with_a_specific_reason(checkov_report: list[dict[str, Any]]) -> None:
    skipped = [check for section in checkov_report for check in section["results"]["skipped_checks"]]
    assert {check["check_id"] for check in skipped} <= {
        "CKV_AWS_115",  # function concurrency: only where prevent_overlap is false, and the CDK provider
        "CKV_AWS_116",  # DLQ: on-failure destinations instead
        "CKV_AWS_117",  # VPC: AWS APIs only
        "CKV_AWS_18",  # access logging on the results bucket: CloudTrail data events instead
        "CKV_AWS_21",  # versioning on the results bucket: write-once files that expire
        "CKV_AWS_158",  # KMS on a log group: only the CDK provider's own log
        "CKV_AWS_173",  # KMS on environment variables: only the CDK provider, which has none
    }
    for check in skipped:
        assert len(check["check_result"].get("suppress_comment", "")) > 40, check["check_id"]
    # The project's own data stores are encrypted with its key, never skipped.
    assert not [c for c in skipped if c["check_id"] == "CKV_AWS_158" and "Cleanup" in c["resource"]]
