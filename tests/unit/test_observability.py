"""The package's one Logger and Metrics (glacier_cleanup.observability): the defaults without Powertools'
variables, and log lines sent to another stream (the terminal tool keeps stdout for its result)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from glacier_cleanup import observability
from glacier_cleanup.observability import logger, set_log_stream
from support.handler_env import CurrentStdout


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    captured = io.StringIO()
    set_log_stream(captured)
    yield captured
    set_log_stream(CurrentStdout())  # type: ignore[arg-type]


def test_log_lines_go_to_the_stream_set(stream: io.StringIO, capsys: pytest.CaptureFixture[str]) -> None:
    logger.info("vault scanned", vault="backups")
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert (line["message"], line["vault"], line["service"]) == (
        "vault scanned",
        "backups",
        observability.SERVICE_NAME,
    )
    assert "vault scanned" not in capsys.readouterr().out


def test_a_closed_earlier_stream_does_not_break_the_switch() -> None:
    first = io.StringIO()
    set_log_stream(first)
    first.close()
    second = io.StringIO()
    set_log_stream(second)  # setStream() would flush the closed one and raise
    logger.info("after the switch")
    set_log_stream(CurrentStdout())  # type: ignore[arg-type]
    assert "after the switch" in second.getvalue()


def test_without_powertools_variables_the_packages_own_names_apply() -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("POWERTOOLS_")}
    code = (
        "from glacier_cleanup.observability import logger, metrics, SERVICE_NAME as s;"
        "print(s, logger.service, metrics.namespace)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert shown == [
        observability.DEFAULT_SERVICE_NAME,
        observability.DEFAULT_SERVICE_NAME,
        observability.DEFAULT_METRICS_NAMESPACE,
    ]
