"""`glacier-cleanup vaults` against the local AWS: the estate of every account and region it can reach, as
a table, JSON and CSV; a vault's verdict follows the inventory; an account it cannot enter is said and the
others still listed. It reads only."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from glacier_cleanup import cli
from glacier_cleanup.core.estate import ESTATE_FIELDS

from glacier_emulator.handles import EmulatorHandle
from glacier_emulator.organization import LocalOrganization

DENY_UPLOADS = json.dumps(
    {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "glacier:UploadArchive", "Resource": "*"}]}
)


def ago(hours: float) -> str:
    return (
        (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


@pytest.fixture
def estate(glacier: EmulatorHandle) -> EmulatorHandle:
    client = glacier.client()
    client.create_vault(vaultName="backups")
    client.upload_archive(vaultName="backups", body=b"x" * 5000)
    client.create_vault(vaultName="retired")
    glacier.seed("retired", 2, creation_date=ago(400), parts=3)
    glacier.seed("retired", 1, creation_date=ago(2))
    client.set_vault_access_policy(vaultName="retired", policy={"Policy": DENY_UPLOADS})
    client.create_vault(vaultName="empty")
    glacier.after_next_inventory()
    return glacier


def test_the_json_lists_every_vault_with_its_verdict_and_totals(
    estate: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    before = estate.stats()["operations"]
    status = cli.main(["vaults", "--output", "json"])
    document = json.loads(capsys.readouterr().out)

    assert status == 0
    rows = {row["vault"]: row for row in document["vaults"]}
    assert list(rows) == ["backups", "empty", "retired"]
    assert all(list(row) == list(ESTATE_FIELDS) for row in rows.values())
    backups, empty, retired = rows["backups"], rows["empty"], rows["retired"]
    assert (backups["archives"], backups["size_bytes"], backups["delete_verdict"]) == (1, 5000, "not ready")
    assert "1 archive(s) as of the last inventory" in backups["delete_reasons"]
    assert (empty["delete_verdict"], empty["delete_reasons"]) == ("ready", "")
    assert (retired["uploads_in_progress"], retired["uploads_stale"], retired["upload_parts"]) == (3, 2, 6)
    assert retired["upload_bytes"] == 6 * 2**20
    assert retired["oldest_upload"] == min(retired["oldest_upload"], ago(399))
    assert (retired["access_policy"], retired["lock"], retired["notifications"]) == (True, "none", False)
    assert retired["delete_verdict"] == "not ready"
    assert document["totals"] == {
        "vaults": 3,
        "archives": 1,
        "size_bytes": 5000,
        "uploads_in_progress": 3,
        "uploads_stale": 2,
        "ready_to_delete": 1,
        "monthly_cost_usd_estimate": backups["monthly_cost_usd_estimate"],
    }
    # It reads only: no abort, no write.
    assert estate.aborts() == []
    after = estate.stats()["operations"]
    called = {name for name in after if after[name] != before.get(name)}
    assert called == {
        "ListVaults",
        "GetVaultAccessPolicy",
        "GetVaultLock",
        "GetVaultNotifications",
        "ListMultipartUploads",
        "ListParts",
    }


def test_the_table_and_the_csv(estate: EmulatorHandle, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["vaults"]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split()[:3] == ["ACCOUNT", "REGION", "VAULT"]
    assert "3 vault(s), 1 archive(s)" in table
    assert "1 ready to delete" in table

    assert cli.main(["vaults", "--output", "csv", "--no-parts"]) == 0
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert [row["vault"] for row in rows] == ["backups", "empty", "retired"]
    assert rows[2]["upload_parts"] == ""  # --no-parts: not measured
    assert json.loads(captured.err.strip().splitlines()[-1])["vaults"] == 3


def test_a_member_account_it_cannot_enter_is_said_and_the_others_listed(
    glacier: EmulatorHandle, local_organization: LocalOrganization, capsys: pytest.CaptureFixture[str]
) -> None:
    org = local_organization
    alpha, beta = org.accounts["alpha"], org.accounts["beta"]
    glacier.client(org.credentials(glacier, alpha)).create_vault(vaultName="alpha-vault")

    status = cli.main(
        ["vaults", "--output", "json", "--account", alpha, "--account", beta, "--role-name", "X"]
    )
    captured = capsys.readouterr()

    assert status == 1
    assert json.loads(captured.out)["vaults"] == []
    assert f"not looked at: {alpha}: no access" in captured.err
    assert f"not looked at: {beta}: no access" in captured.err

    status = cli.main(["vaults", "--output", "json", "--account", alpha])
    assert status == 0
    assert [row["vault"] for row in json.loads(capsys.readouterr().out)["vaults"]] == ["alpha-vault"]


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["vaults", "--region", "Moon"], "--region"),
        (["vaults", "--account", "123"], "--account"),
        (["vaults", "--older-than-hours", "0"], "--older-than-hours"),
    ],
)
def test_bad_input_is_named_before_any_call(
    glacier: EmulatorHandle, capsys: pytest.CaptureFixture[str], argv: list[str], named: str
) -> None:
    assert cli.main(argv) == 2
    assert named in capsys.readouterr().err
    assert glacier.stats()["total"] == 0
