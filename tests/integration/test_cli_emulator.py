"""The operator CLI against the Glacier emulator: normal credential chain and AWS_ENDPOINT_URL_GLACIER."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from glacier_cleanup import cli

from glacier_emulator.handles import EmulatorHandle


def ago(hours: float) -> str:
    return (
        (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def test_cli_dry_run_then_apply(glacier: EmulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    glacier.seed("backups", 55, creation_date=ago(200))
    glacier.seed("backups", 3, creation_date=ago(1))
    glacier.seed("prod-db", 4, creation_date=ago(200))

    dry_status = cli.main(["--json", "--exclude-vault", "prod-*"])
    dry = json.loads(capsys.readouterr().out)

    assert dry_status == 0
    assert dry["dry_run"] is True
    assert dry["uploads_stale"] == 55
    assert not glacier.aborts()

    status = cli.main(["--apply", "--json", "--vault", "backups", "--older-than-hours", "100"])
    captured = capsys.readouterr()

    assert status == 0
    assert json.loads(captured.out)["uploads_aborted"] == 55
    assert {record["vault"] for record in glacier.aborts()} == {"backups"}
    assert '"message":"aborted stale upload"' in captured.err


def test_cli_exits_one_when_a_vault_fails(
    glacier: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    glacier.seed("open", 2, creation_date=ago(200))
    glacier.seed("locked", 2, creation_date=ago(200))
    glacier.configure(deny_vaults=["locked"])

    status = cli.main(["--apply"])

    assert status == 1
    out = capsys.readouterr().out
    assert "status partial" in out
    assert "locked" in out
