"""This repository's app (app.py with cdk.json), synthesized in this process: the tests and the local
organization run use it to get exactly what `cdk synth` writes, without the CDK CLI."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App, Stack, cx_api
from glacier_cleanup_cdk import build_app, load_config, pinned_powertools_version
from glacier_cleanup_cdk.config import CONTEXT_KEY

REPO_ROOT = Path(__file__).resolve().parent.parent


def synthesize_in_process(
    outdir: Path,
    block: Mapping[str, Any] | None,
    *,
    default_account: str | None = None,
    default_region: str | None = None,
) -> tuple[list[Stack], cx_api.CloudAssembly]:
    """What `cdk synth` does with app.py, in this process: cdk.json's context (its feature flags change
    what constructs render) with `block` as the glacier-cleanup config. Raises on cdk-nag findings."""
    cdk_json = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))
    context = {key: value for key, value in cdk_json["context"].items() if key != CONTEXT_KEY}
    if block is not None:
        context[CONTEXT_KEY] = dict(block)
    app = App(outdir=str(outdir), context=context)
    config = load_config(
        app.node.get_all_context(), default_account=default_account, default_region=default_region
    )
    stacks = build_app(app, config, powertools_version=pinned_powertools_version())
    return stacks, app.synth()
