"""`glacier-cleanup vaults`' output (glacier_cleanup.terminal.vaults): the table with its totals and the
estimate's label, JSON with totals, CSV a spreadsheet cannot evaluate; flags checked before any call."""

from __future__ import annotations

import argparse
import csv
import io
import json

import pytest
from glacier_cleanup.aws.glacier import ClientSetupError
from glacier_cleanup.core.estate import ESTATE_FIELDS, VaultEstate, VaultFacts
from glacier_cleanup.terminal.vaults import _check, _rendered, build_parser


def estate() -> list[VaultEstate]:
    return [
        VaultEstate("111111111111", "eu-west-1", VaultFacts("-dash", None, None, 0, 0, False, "none", False)),
        VaultEstate(
            "111111111111",
            "eu-west-1",
            VaultFacts("full", None, "2026-12-06T00:00:00.000Z", 5, 3 * 2**30, True, "Locked", True),
        ),
    ]


def test_the_table_has_a_line_per_vault_the_totals_and_says_the_cost_is_an_estimate() -> None:
    text = _rendered(estate(), "table")
    lines = text.splitlines()
    assert lines[0].split()[:4] == ["ACCOUNT", "REGION", "VAULT", "ARCHIVES"]
    assert lines[1].split()[2] == "-dash"
    assert lines[1].rstrip().endswith("ready")
    assert "locked: a vault lock is in place" in lines[2]
    assert "2 vault(s), 5 archive(s), 3.0 GiB as of the last inventories" in text
    assert "1 ready to delete; about 0.01 USD a month." in text
    assert "* an estimate" in text
    assert _rendered([], "table") == "No vaults.\n"


def test_json_carries_the_rows_and_the_totals() -> None:
    document = json.loads(_rendered(estate(), "json"))
    assert [row["vault"] for row in document["vaults"]] == ["-dash", "full"]
    assert document["totals"]["ready_to_delete"] == 1


def test_csv_has_the_declared_columns_and_no_cell_a_spreadsheet_would_evaluate() -> None:
    rows = list(csv.DictReader(io.StringIO(_rendered(estate(), "csv"))))
    assert tuple(rows[0]) == ESTATE_FIELDS
    assert rows[0]["vault"] == "'-dash"


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--region", "eu-west-1", "--region", "Bad Region"], "--region"),
        (["--account", "111111111111", "--account", "12"], "--account: '12'"),
        (["--older-than-hours", "-1"], "--older-than-hours"),
    ],
)
def test_bad_flags_are_named(argv: list[str], named: str) -> None:
    args: argparse.Namespace = build_parser().parse_args(argv)
    with pytest.raises(ClientSetupError) as raised:
        _check(args)
    assert named in str(raised.value)
