"""The operator CLI against the Glacier emulator: normal credential chain and AWS_ENDPOINT_URL_GLACIER."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from glacier_cleanup import cli
from glacier_cleanup.aws.glacier import create_session
from glacier_cleanup.aws.roles import refreshing_session
from glacier_cleanup.cli import DEFAULT_OPERATOR_ROLE
from glacier_cleanup.core.records import FIELDS

from glacier_emulator.handles import EmulatorHandle
from glacier_emulator.organization import LocalOrganization


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


def test_cli_cleans_a_member_account_through_its_role(
    glacier: EmulatorHandle, local_organization: LocalOrganization, capsys: pytest.CaptureFixture[str]
) -> None:
    org = local_organization
    alpha, beta = org.accounts["alpha"], org.accounts["beta"]
    for account in (alpha, beta):
        glacier.client(org.credentials(glacier, account)).create_vault(vaultName="backups")
        glacier.seed("backups", 3, creation_date=ago(200), account_id=account)

    status = cli.main(["--apply", "--json", "--account", alpha])
    result = json.loads(capsys.readouterr().out)

    assert status == 0
    assert result["account"] == alpha  # the identity line and the JSON name the member, not the caller
    assert ":assumed-role/OrganizationAccountAccessRole/" in result["caller_arn"]
    assert result["uploads_aborted"] == 3
    assert {record["account"] for record in glacier.aborts()} == {alpha}


def test_cli_without_access_to_the_member_exits_two_and_calls_nothing(
    glacier: EmulatorHandle, local_organization: LocalOrganization, capsys: pytest.CaptureFixture[str]
) -> None:
    beta = local_organization.accounts["beta"]

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--apply", "--account", beta, "--role-name", "NoSuchRole"])

    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert f"arn:aws:iam::{beta}:role/NoSuchRole" in error
    assert "AccessDenied" in error
    assert glacier.stats(beta)["total"] == 0


@pytest.mark.parametrize("account", ["12345", "abcdefghijkl"])
def test_cli_refuses_a_malformed_account_id(account: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--account", account])
    assert exit_info.value.code == 2
    assert "--account: expected a 12-digit account id" in capsys.readouterr().err


def test_member_account_credentials_renew_themselves_for_a_run_of_any_length(
    glacier: EmulatorHandle, local_organization: LocalOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--account` credentials last 15 minutes; a backlog run lasts longer. Its session renews them from the
    operator's own credentials (AssumeRole again) before they expire, so every call still succeeds."""
    org = local_organization
    alpha = org.accounts["alpha"]
    glacier.client(org.credentials(glacier, alpha)).create_vault(vaultName="backups")
    operator = create_session(region="us-east-1")
    session = refreshing_session(
        operator, account_id=alpha, role_name=DEFAULT_OPERATOR_ROLE, session_name="long-run"
    )
    keys = session.get_credentials()
    first = keys.get_frozen_credentials().access_key
    assert keys.refresh_needed() is False
    # 14 minutes later: within the renewal margin of a 15-minute session.
    later = datetime.now(UTC) + timedelta(minutes=14)
    monkeypatch.setattr(keys, "_time_fetcher", lambda: later)
    assert keys.refresh_needed() is True
    renewed = keys.get_frozen_credentials().access_key
    assert renewed != first
    client = session.client("glacier")
    assert [vault["VaultName"] for vault in client.list_vaults()["VaultList"]] == ["backups"]


def test_cli_records_every_judged_upload(
    glacier: EmulatorHandle,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given stale uploads, young ones and a protected one
    monkeypatch.setenv("CLEANUP_PROTECT_DESCRIPTION_REGEX", "^keep:")
    glacier.seed("backups", 4, creation_date=ago(200))
    glacier.seed("backups", 2, creation_date=ago(1))
    glacier.seed("backups", 1, creation_date=ago(200), archive_description="keep: tape")
    path = tmp_path / "records.jsonl.gz"

    # When the operator applies with --record
    status = cli.main(["--apply", "--json", "--older-than-hours", "100", "--record", str(path)])
    result = json.loads(capsys.readouterr().out)

    # Then the file holds one record per judged upload (not the young ones), of one run, in the schema
    assert status == 0
    records = [json.loads(line) for line in gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()]
    assert all(list(record) == [column.name for column in FIELDS] for record in records)
    aborted = {entry["upload_id"] for entry in glacier.aborts()}
    assert len(aborted) == result["uploads_aborted"] == 4
    assert {r["upload_id"] for r in records if r["decision"] == "aborted"} == aborted
    assert sorted(r["decision"] for r in records) == ["aborted"] * 4 + ["protected"]
    assert {(r["run_id"], r["source"], r["account"], r["region"]) for r in records} == {
        (records[0]["run_id"], "terminal", "123456789012", "us-east-1")
    }


def test_cli_refuses_a_record_path_it_cannot_write_before_any_call(
    glacier: EmulatorHandle, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    glacier.seed("backups", 2, creation_date=ago(200))
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--apply", "--yes", "--record", str(tmp_path / "missing" / "records.jsonl")])
    assert exit_.value.code == 2
    assert "--record: no directory" in capsys.readouterr().err
    assert glacier.aborts() == []
    assert glacier.stats() == {} or all(not ops for ops in glacier.stats().values())
