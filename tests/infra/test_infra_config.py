"""The glacier-cleanup config: shape, layering, -c overrides, and one test per kind of bad config."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from glacier_cleanup_cdk.config import CONTEXT_KEY, AppConfig, ConfigError, load_config
from infra_helpers import CDK_JSON, REPO_ROOT

ACCOUNT = "111111111111"


def target(name: str = "prod", **settings: Any) -> dict[str, Any]:
    return {"name": name, "account": ACCOUNT, "region": "eu-west-1", **settings}


def config(*targets: dict[str, Any], **defaults: Any) -> dict[str, Any]:
    return {CONTEXT_KEY: {"defaults": defaults, "targets": list(targets)}}


def load(context: dict[str, Any]) -> AppConfig:
    return load_config(context, default_account="123456789012", default_region="us-east-1")


def test_shipped_config_is_one_safe_default_target() -> None:
    # Given the cdk.json block (no targets); When loaded
    loaded = load({CONTEXT_KEY: CDK_JSON["context"][CONTEXT_KEY]})
    # Then one target in the default account and region, in dry-run mode
    assert CDK_JSON["context"][CONTEXT_KEY]["targets"] == []
    (only,) = loaded.targets
    assert (only.identity.name, only.identity.account, only.identity.region) == (
        "default",
        "123456789012",
        "us-east-1",
    )
    assert only.stack_name == "GlacierCleanup-default"
    assert only.settings.dry_run is True


def test_without_default_environment_the_default_target_is_environment_agnostic() -> None:
    loaded = load_config({})
    assert (loaded.targets[0].identity.account, loaded.targets[0].identity.region) == (None, None)


def test_example_config_has_two_targets() -> None:
    path = REPO_ROOT / "infra" / "examples" / "two-targets.json"
    loaded = load({f"{CONTEXT_KEY}:config_file": str(path)})
    assert [t.stack_name for t in loaded.targets] == ["GlacierCleanup-prod-eu", "GlacierCleanup-dev-us"]
    assert all(t.settings.dry_run for t in loaded.targets)


def test_target_settings_override_defaults() -> None:
    loaded = load(config(target("a", older_than_hours=24), target("b"), older_than_hours=96, dry_run=False))
    hours = {t.identity.name: t.settings.older_than_hours for t in loaded.targets}
    assert hours == {"a": 24, "b": 96}
    assert all(t.settings.dry_run is False for t in loaded.targets)


def test_cli_overrides_defaults_layer_with_coerced_strings() -> None:
    # Given `-c glacier-cleanup:older_than_hours=72` and friends (the CLI passes strings)
    context = {
        **config(target("a"), target("b", older_than_hours=24)),
        f"{CONTEXT_KEY}:older_than_hours": "72",
        f"{CONTEXT_KEY}:dry_run": "false",
        f"{CONTEXT_KEY}:max_aborts": "",
        f"{CONTEXT_KEY}:vaults": "backups,media",
    }
    loaded = {t.identity.name: t.settings for t in load(context).targets}
    # Then the defaults layer changes; a target's own value still wins
    assert loaded["a"].older_than_hours == 72
    assert loaded["b"].older_than_hours == 24
    assert loaded["a"].dry_run is False
    assert loaded["a"].max_aborts is None
    assert loaded["a"].vaults == ("backups", "media")


def test_cli_overrides_one_target() -> None:
    context = {
        **config(target("a", older_than_hours=24), target("b")),
        f"{CONTEXT_KEY}:a:older_than_hours": "12",
        f"{CONTEXT_KEY}:b:vaults": '["x", "y"]',
    }
    loaded = {t.identity.name: t.settings for t in load(context).targets}
    assert loaded["a"].older_than_hours == 12
    assert loaded["b"].vaults == ("x", "y")
    assert loaded["b"].older_than_hours == 168


def test_cli_config_file_replaces_the_block(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"targets": [target("from-file")]}), encoding="utf-8")
    context = {**config(target("from-cdk-json")), f"{CONTEXT_KEY}:config_file": str(path)}
    assert [t.identity.name for t in load(context).targets] == ["from-file"]


def test_whole_block_as_json_string() -> None:
    loaded = load({CONTEXT_KEY: json.dumps({"targets": [target("s")]})})
    assert loaded.targets[0].identity.name == "s"


def test_rate_schedule_sets_the_alarm_period_and_cron_needs_an_interval() -> None:
    loaded = load(config(target("r", schedule_expression="rate(6 hours)")))
    assert loaded.targets[0].settings.alarm_period_minutes == 360
    loaded = load(config(target("c", schedule_expression="cron(0 4 * * ? *)", run_interval_minutes=1440)))
    assert loaded.targets[0].settings.alarm_period_minutes == 1440


# One case per kind of bad config: (context, target named in the message, field named in the message).
BAD_CONFIGS: dict[str, tuple[dict[str, Any], str, str]] = {
    "account-not-12-digits": (config(target(account="12345")), "target 'prod'", "account"),
    "account-with-letters": (config(target(account="11111111111x")), "target 'prod'", "account"),
    "region-malformed": (config(target(region="EU_WEST_1")), "target 'prod'", "region"),
    "account-missing": (
        {CONTEXT_KEY: {"targets": [{"name": "prod", "region": "eu-west-1"}]}},
        "target 'prod'",
        "account",
    ),
    "target-name-invalid": (config(target(name="prod_eu!")), "target 'prod_eu!'", "name"),
    "duplicate-target-names": (config(target("prod"), target("prod")), "target 'prod'", "name"),
    "unknown-target-key": (config(target(older_than_days=7)), "target 'prod'", "older_than_days"),
    "unknown-defaults-key": (config(target(), dryrun=True), "defaults", "dryrun"),
    "unknown-top-level-key": ({CONTEXT_KEY: {"target": []}}, CONTEXT_KEY, "target"),
    "unknown-cli-override": (
        {**config(target()), f"{CONTEXT_KEY}:olderthan": "5"},
        "defaults",
        "olderthan",
    ),
    "cli-override-unknown-target": (
        {**config(target()), f"{CONTEXT_KEY}:nope:dry_run": "false"},
        "nope",
        "dry_run",
    ),
    "older-than-below-floor": (config(target(older_than_hours=0.5)), "target 'prod'", "older_than_hours"),
    "older-than-below-floor-in-defaults": (
        config(target(), older_than_hours=0),
        "defaults",
        "older_than_hours",
    ),
    "older-than-from-cli": (
        {**config(target()), f"{CONTEXT_KEY}:older_than_hours": "0.9"},
        "defaults",
        "older_than_hours",
    ),
    "schedule-not-rate-or-cron": (
        config(target(schedule_expression="every day")),
        "target 'prod'",
        "schedule_expression",
    ),
    "schedule-rate-plural-for-one": (
        config(target(schedule_expression="rate(1 days)")),
        "target 'prod'",
        "schedule_expression",
    ),
    "schedule-rate-zero": (
        config(target(schedule_expression="rate(0 hours)")),
        "target 'prod'",
        "schedule_expression",
    ),
    "schedule-cron-five-fields": (
        config(target(schedule_expression="cron(0 3 * * *)", run_interval_minutes=1440)),
        "target 'prod'",
        "schedule_expression",
    ),
    "schedule-cron-both-days": (
        config(target(schedule_expression="cron(0 3 * * MON *)", run_interval_minutes=1440)),
        "target 'prod'",
        "schedule_expression",
    ),
    "schedule-cron-years-past": (
        config(target(schedule_expression="cron(0 3 1 1 ? 2020)", run_interval_minutes=1440)),
        "target 'prod'",
        "names no time in the next eight years",
    ),
    "schedule-cron-day-of-week-eight": (
        config(target(schedule_expression="cron(0 3 ? * 8 *)", run_interval_minutes=1440)),
        "target 'prod'",
        "outside 1-7",
    ),
    "summary-slack-without-channel": (
        config(target(summary_slack_workspace_id="T0123ABCD")),
        "target 'prod'",
        "summary_slack_channel_id",
    ),
    "schedule-one-time-at": (
        config(target(schedule_expression="at(2030-01-01T00:00:00)")),
        "target 'prod'",
        "schedule_expression",
    ),
    "time-zone-unknown": (
        config(target(schedule_time_zone="Mars/Olympus_Mons")),
        "target 'prod'",
        "schedule_time_zone",
    ),
    "time-zone-offset": (config(target(schedule_time_zone="+02:00")), "target 'prod'", "schedule_time_zone"),
    "cron-without-run-interval": (
        config(target(schedule_expression="cron(0 3 * * ? *)")),
        "target 'prod'",
        "run_interval_minutes",
    ),
    "margin-not-below-timeout": (
        config(target(timeout_seconds=60, time_margin_seconds=60)),
        "target 'prod'",
        "time_margin_seconds",
    ),
    "timeout-above-lambda-max": (config(target(timeout_seconds=901)), "target 'prod'", "timeout_seconds"),
    "memory-too-small": (config(target(memory_mb=64)), "target 'prod'", "memory_mb"),
    "log-retention-not-allowed": (
        config(target(log_retention_days=10)),
        "target 'prod'",
        "log_retention_days",
    ),
    "vault-name-invalid": (config(target(vaults=["bad/vault"])), "target 'prod'", "vaults.0"),
    "protect-regex-invalid": (
        config(target(protect_description_regex="(")),
        "target 'prod'",
        "protect_description_regex",
    ),
    "concurrency-too-high": (config(target(concurrency=65)), "target 'prod'", "concurrency"),
    "async-retries-above-one": (
        config(target(async_retry_attempts=2)),
        "target 'prod'",
        "async_retry_attempts",
    ),
    "retry-mode-unknown": (config(target(retry_mode="legacy")), "target 'prod'", "retry_mode"),
    "glacier-account-invalid": (
        config(target(glacier_account_id="me")),
        "target 'prod'",
        "glacier_account_id",
    ),
    "alarm-email-invalid": (config(target(alarm_emails=["ops"])), "target 'prod'", "alarm_emails.0"),
    "alarm-range-too-long": (
        config(target(schedule_expression="rate(1 day)", run_incomplete_alarm_runs=8)),
        "target 'prod'",
        "run_incomplete_alarm_runs",
    ),
    "window-not-shorter-than-interval": (
        config(target(schedule_expression="rate(30 minutes)")),
        "target 'prod'",
        "flexible_window_minutes",
    ),
    "metrics-namespace-reserved": (
        config(target(metrics_namespace="AWS/Glacier")),
        "target 'prod'",
        "metrics_namespace",
    ),
    "registry-twice-in-one-place": (
        config(target("a", create_test_event_registry=True), target("b", create_test_event_registry=True)),
        "target 'b'",
        "create_test_event_registry",
    ),
    "block-string-not-json": ({CONTEXT_KEY: "{targets: []}"}, CONTEXT_KEY, "not JSON"),
    "config-file-missing": (
        {f"{CONTEXT_KEY}:config_file": "/nonexistent/glacier.json"},
        "config_file",
        "glacier.json",
    ),
}


@pytest.mark.parametrize(("context", "scope", "field"), BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_bad_config_fails_with_one_message_naming_target_and_field(
    context: dict[str, Any], scope: str, field: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load(context)
    message = str(raised.value)
    assert message.startswith("invalid glacier-cleanup config: ")
    assert "\n" not in message
    assert scope in message
    assert field in message


def test_app_exits_with_the_single_message_before_building_anything() -> None:
    # Given a bad config delivered the way the CDK CLI delivers context
    context = {CONTEXT_KEY: {"targets": [target(account="12345")]}}
    env = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps(context),
        "CDK_OUTDIR": "/nonexistent/must-not-be-written",
        "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    # When app.py runs
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Then it fails with exactly the config message, no traceback
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        "invalid glacier-cleanup config: target 'prod', field 'account': String should match pattern "
        "'^\\d{12}$' (got '12345')"
    ]


CDK_CLI = REPO_ROOT / "node_modules" / ".bin" / "cdk"


def cli_environment() -> dict[str, str]:
    """What the Makefile exports for the CDK CLI, without JSII_DEPRECATED: a deprecation must show here."""
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
        "CDK_DISABLE_VERSION_CHECK": "1",
        "CDK_DISABLE_CLI_TELEMETRY": "1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    env.pop("JSII_DEPRECATED", None)
    return env


def cli_synth(outdir: Path, *overrides: str) -> subprocess.CompletedProcess[str]:
    """`cdk synth --quiet` of this app into `outdir`, each override as `-c glacier-cleanup:<override>`."""
    command = [str(CDK_CLI), "synth", "--quiet", "--output", str(outdir)]
    for override in overrides:
        command += ["-c", f"{CONTEXT_KEY}:{override}"]
    return subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=cli_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.skipif(not CDK_CLI.exists(), reason="the pinned CDK CLI is not installed (make node)")
def test_synth_of_every_stack_shape_prints_no_warning(tmp_path: Path) -> None:
    # Given the real CLI and the example with targets and an organization (what `make synth` runs)
    # When synthesized
    result = cli_synth(tmp_path, "config_file=infra/examples/organization.json")
    # Then nothing a newcomer would wonder about: no deprecation, no warning of any tool
    assert result.returncode == 0, result.stderr
    assert len(list(tmp_path.glob("*.template.json"))) == 4
    noise = [line for line in result.stderr.splitlines() if re.search(r"warn|deprecat", line, re.IGNORECASE)]
    assert noise == []


@pytest.mark.slow
@pytest.mark.skipif(not CDK_CLI.exists(), reason="the pinned CDK CLI is not installed (make node)")
def test_cdk_cli_context_overrides_reach_the_template(tmp_path: Path) -> None:
    # Given the real CLI, the two-target example and `-c` overrides for the defaults layer and one target
    # When synthesized
    result = cli_synth(
        tmp_path,
        "config_file=infra/examples/two-targets.json",
        "older_than_hours=72",
        "dev-us:vaults=scratch,tmp",
    )
    assert result.returncode == 0, result.stderr
    # Then one template per target, with the overrides applied
    templates = sorted(path.name for path in tmp_path.glob("*.template.json"))
    assert templates == ["GlacierCleanup-dev-us.template.json", "GlacierCleanup-prod-eu.template.json"]

    def variables(stack: str) -> dict[str, str]:
        template = json.loads((tmp_path / f"{stack}.template.json").read_text(encoding="utf-8"))
        (function,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
        return dict(function["Properties"]["Environment"]["Variables"])

    # dev-us sets its own older_than_hours (48), which the defaults-layer override does not touch
    assert variables("GlacierCleanup-prod-eu")["CLEANUP_OLDER_THAN_HOURS"] == "72"
    assert variables("GlacierCleanup-dev-us")["CLEANUP_OLDER_THAN_HOURS"] == "48"
    assert variables("GlacierCleanup-dev-us")["CLEANUP_VAULTS"] == "scratch,tmp"
