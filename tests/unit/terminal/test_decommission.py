"""`glacier-cleanup decommission`'s own rules (glacier_cleanup.terminal.decommission): the exit status of a
result, the typed confirmation, and bad input named before any call."""

from __future__ import annotations

import argparse
import io
import sys

import pytest
from glacier_cleanup.aws.glacier import ClientSetupError
from glacier_cleanup.core.decommission import Outcome, VaultDecommission
from glacier_cleanup.terminal.decommission import _check, _confirmed, _status, build_parser
from support.handler_env import FakeTerminal


def args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


@pytest.mark.parametrize(
    ("outcomes", "status"),
    [
        ((Outcome.DELETED, Outcome.WAITING), 0),
        ((Outcome.WOULD_DELETE,), 0),
        ((Outcome.DELETED, Outcome.HOLDS_ARCHIVES), 1),
        ((Outcome.HELD_BY_UPLOADS,), 1),
        ((Outcome.FAILED,), 1),
    ],
)
def test_the_exit_status_is_zero_only_when_every_vault_is_on_its_way(
    outcomes: tuple[Outcome, ...], status: int
) -> None:
    assert _status([VaultDecommission(f"v{n}", outcome) for n, outcome in enumerate(outcomes)]) == status


def test_on_a_terminal_each_name_must_be_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", FakeTerminal())
    monkeypatch.setattr(sys, "stdin", FakeTerminal("a\nb\n"))
    assert _confirmed(args("a", "b", "--apply"))
    monkeypatch.setattr(sys, "stdin", FakeTerminal("a\nB\n"))
    assert not _confirmed(args("a", "b", "--apply", "--yes"))


def test_without_a_terminal_only_yes_confirms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("a\n"))
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not _confirmed(args("a", "--apply"))
    assert _confirmed(args("a", "--apply", "--yes"))


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (("ok", "no/slash"), "VAULT: 'no/slash'"),
        (("v", "--account", "x"), "--account"),
        (("v", "--region", "x"), "--region"),
    ],
)
def test_bad_input_is_named(argv: tuple[str, ...], named: str) -> None:
    with pytest.raises(ClientSetupError) as raised:
        _check(args(*argv))
    assert named in str(raised.value)
