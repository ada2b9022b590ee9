"""The constructs as a library: the examples under examples/, synthesized from a freshly built wheel in a
clean virtualenv (`pip install "<wheel>[cdk]"`), never from this checkout."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint

from local_harness.synth_app import synthesize_in_process

from .conftest import EXAMPLES, REPO, Library

pytestmark = pytest.mark.slow
CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"
# Runs the example's build() in the library's venv, checks every stack with cdk-nag, then synthesizes.
NAG_AND_SYNTH = """
import json, sys
from aws_cdk import App
from cdk_nag import AwsSolutionsChecks
import app as example
context = json.load(open("cdk.json"))["context"]
app = App(outdir=sys.argv[1], context=context)
violations = {}
for stack in example.build(app):
    report = AwsSolutionsChecks().validate_scope(stack)
    violations[stack.stack_name] = sorted(v.rule_name for v in report.violations)
app.synth()
print(json.dumps(violations))
"""


def example_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / name / "app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def templates(outdir: Path) -> dict[str, dict[str, Any]]:
    return {
        path.name.removesuffix(".template.json"): json.loads(path.read_text(encoding="utf-8"))
        for path in outdir.glob("*.template.json")
    }


@pytest.fixture(scope="module")
def own_app(library: Library, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    outdir = tmp_path_factory.mktemp("own_app")
    printed = library.run("-c", NAG_AND_SYNTH, str(outdir), cwd=EXAMPLES / "own_app")
    return outdir, json.loads(printed.strip().splitlines()[-1])


def test_the_examples_import_only_the_installed_package(library: Library) -> None:
    code = (
        "import importlib.util, json, glacier_cleanup, glacier_cleanup_cdk\n"
        "print(json.dumps([glacier_cleanup.__file__, glacier_cleanup_cdk.__file__,"
        " importlib.util.find_spec('glacier_emulator') is None,"
        " importlib.util.find_spec('scripts') is None]))"
    )
    tool, constructs, no_emulator, no_scripts = json.loads(library.run("-c", code, cwd=EXAMPLES / "own_app"))
    venv = library.python.parent.parent
    assert Path(tool).is_relative_to(venv)
    assert Path(constructs).is_relative_to(venv)
    assert no_emulator
    assert no_scripts


def test_the_own_app_example_is_clean_under_cdk_nag(own_app: tuple[Path, dict[str, list[str]]]) -> None:
    _, violations = own_app
    assert violations == {
        "GlacierCleanup-backups-eu": [],
        "GlacierCleanup-acme-hub": [],
        "GlacierCleanup-acme-member-role": [],
    }


def test_the_own_app_example_equals_this_repositorys_app_for_the_same_settings(
    own_app: tuple[Path, dict[str, list[str]]], tmp_path: Path
) -> None:
    outdir, _ = own_app
    _, assembly = synthesize_in_process(tmp_path, example_module("own_app").SETTINGS)
    ours = {stack.stack_name: stack.template for stack in assembly.stacks}
    theirs = templates(outdir)
    assert sorted(theirs) == sorted(ours)
    for name, template in theirs.items():
        assert template == ours[name], name
    # The function's code asset is the same package, byte for byte (the asset hash is its fingerprint).
    assert sorted(p.name for p in outdir.glob("asset.*")) == sorted(p.name for p in tmp_path.glob("asset.*"))


@pytest.mark.parametrize(
    ("stack_name", "region"),
    [
        ("GlacierCleanup-backups-eu", "eu-west-1"),
        ("GlacierCleanup-acme-hub", "eu-west-1"),
        ("GlacierCleanup-acme-member-role", "us-east-1"),
    ],
)
def test_the_own_app_example_is_clean_under_cfn_lint(
    own_app: tuple[Path, dict[str, list[str]]], stack_name: str, region: str
) -> None:
    template = templates(own_app[0])[stack_name]
    findings = [str(match) for match in lint(json.dumps(template), config=ManualArgs(regions=[region]))]
    # W3005: cfn-lint notes an explicit DependsOn that a GetAtt implies (an L2's role dependency).
    assert [finding for finding in findings if "W3005" not in finding] == []


def test_the_own_app_example_is_clean_under_checkov(own_app: tuple[Path, dict[str, list[str]]]) -> None:
    assert CHECKOV.exists(), "checkov is not installed: run `make checkov-install` (make test does)"
    command = [str(CHECKOV), "--framework", "cloudformation", "--output", "json", "--compact"]
    for template in sorted(own_app[0].glob("*.template.json")):
        command += ["--file", str(template)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    report = json.loads(result.stdout)
    sections = report if isinstance(report, list) else [report]
    failed = [check["check_id"] for section in sections for check in section["results"]["failed_checks"]]
    assert failed == []
    assert sum(section["summary"]["passed"] for section in sections) > 50


def test_the_pipelines_example_deploys_the_target_stack_into_two_accounts(
    library: Library, tmp_path: Path
) -> None:
    context = json.loads((EXAMPLES / "pipelines" / "cdk.json").read_text(encoding="utf-8"))["context"]
    library.run(
        "app.py",
        cwd=EXAMPLES / "pipelines",
        extra_env={"CDK_OUTDIR": str(tmp_path), "CDK_CONTEXT_JSON": json.dumps(context)},
    )
    pipeline = templates(tmp_path)["GlacierCleanupDelivery"]
    (codepipeline,) = [
        r for r in pipeline["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"
    ]
    stages = [stage["Name"] for stage in codepipeline["Properties"]["Stages"]]
    assert stages[-2:] == ["Staging", "Production"]
    deployed: dict[str, dict[str, Any]] = {}
    for stage, account in (("Staging", "333333333333"), ("Production", "111111111111")):
        manifest = json.loads(
            (tmp_path / f"assembly-GlacierCleanupDelivery-{stage}" / "manifest.json").read_text()
        )
        (stack,) = [a for a in manifest["artifacts"].values() if a["type"] == "aws:cloudformation:stack"]
        assert stack["environment"] == f"aws://{account}/eu-west-1"
        assert stack["properties"]["stackName"] == f"GlacierCleanup-backups-{stage.lower()}"
        template_file = (
            tmp_path / f"assembly-GlacierCleanupDelivery-{stage}" / stack["properties"]["templateFile"]
        )
        deployed[stage] = json.loads(template_file.read_text(encoding="utf-8"))
    # Each stage's stack is the standalone stack of the same settings (staging dry-run, production aborts).
    settings = {
        "targets": [
            {
                "name": "backups-staging",
                "account": "333333333333",
                "region": "eu-west-1",
                "dry_run": True,
                "older_than_hours": 240,
            },
            {
                "name": "backups-production",
                "account": "111111111111",
                "region": "eu-west-1",
                "dry_run": False,
                "older_than_hours": 240,
            },
        ]
    }
    _, assembly = synthesize_in_process(tmp_path / "standalone", settings)
    standalone = {stack.stack_name: stack.template for stack in assembly.stacks}
    assert deployed["Staging"] == standalone["GlacierCleanup-backups-staging"]
    assert deployed["Production"] == standalone["GlacierCleanup-backups-production"]


def test_the_examples_use_the_feature_flags_this_repository_is_tested_with() -> None:
    flags = json.loads((REPO / "cdk.json").read_text(encoding="utf-8"))["context"]
    flags.pop("glacier-cleanup")
    for example in ("own_app", "pipelines"):
        assert json.loads((EXAMPLES / example / "cdk.json").read_text(encoding="utf-8"))["context"] == flags
