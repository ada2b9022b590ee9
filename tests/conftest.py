"""Shared pytest configuration: the Glacier emulator fixtures (glacier, glacier_in_process, ...)."""

import os
from collections.abc import Iterator

import pytest

pytest_plugins = ["glacier_emulator.pytest_plugin"]

# A deprecated CDK API used anywhere fails the synth that uses it (jsii reads this when its runtime starts, at
# the first aws_cdk import, which comes after this file): a deprecation is fixed, not printed and scrolled by.
os.environ["JSII_DEPRECATED"] = "fail"


@pytest.fixture(autouse=True)
def _private_cache_directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The terminal tool keeps its looks at uploads under $XDG_CACHE_HOME: never the real home directory.

    Not through `monkeypatch`: an autouse fixture that requested it would tear it down last, after the
    fixtures that patch the handler's runtime need it undone."""
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if saved is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = saved


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first (a stable sort): `make test` runs on two workers, and a 40-second test that starts
    last keeps one worker busy while the other has nothing left to do."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
