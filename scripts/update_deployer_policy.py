"""Rewrites docs/deployer-policy.json from every template shape the tests synthesize (from the repo root)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tests" / "infra"), str(REPO)]

from conftest import PARTITIONS_CONFIG  # noqa: E402
from glacier_cleanup_cdk.config import CONTEXT_KEY  # noqa: E402
from glacier_cleanup_cdk.deployer_policy import policy_document  # noqa: E402
from infra_helpers import CDK_JSON, MULTI_TARGET_CONFIG, ORGANIZATION_CONFIG, synthesize  # noqa: E402


def main() -> None:
    templates = []
    for config in (
        CDK_JSON["context"][CONTEXT_KEY],
        MULTI_TARGET_CONFIG,
        PARTITIONS_CONFIG,
        ORGANIZATION_CONFIG,
    ):
        with tempfile.TemporaryDirectory() as tmp:
            templates += list(synthesize(Path(tmp), config).templates.values())
    document = policy_document(templates)
    (REPO / "docs" / "deployer-policy.json").write_text(
        json.dumps(document, indent=2) + "\n", encoding="utf-8"
    )
    print(f"docs/deployer-policy.json: {len(document['Statement'][0]['Action'])} resource actions")  # noqa: T201


if __name__ == "__main__":
    main()
