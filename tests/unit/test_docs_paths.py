"""Every file the docs name exists: module paths in backticks (`core/recorder.py`, `aws/deadline.py`, ...) and
relative links. A move or a rename that forgets the docs fails here, not in a reader's hands."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The repository's own READMEs (a glob would also find the ones tools write, e.g. .pytest_cache's).
OWN_READMES = ("glacier_emulator", "bench", "examples", "scripts")
DOCS = sorted(
    [
        ROOT / "README.md",
        ROOT / "CONTRIBUTING.md",
        *ROOT.glob("docs/*.md"),
        *(ROOT / name / "README.md" for name in OWN_READMES if (ROOT / name / "README.md").exists()),
    ]
)
# Where a short path (`core/engine.py`, `glacier_cleanup/handler.py`) is read from.
BASES = [
    ROOT,
    ROOT / "lambda_src",
    ROOT / "lambda_src/glacier_cleanup",
    ROOT / "infra",
    ROOT / "infra/glacier_cleanup_cdk",
]
# Written by a run, not kept in the repository: a doc may say where to find them.
GENERATED = (".pytest_cache/", "cdk.out/", "dist/", "build/", ".mutation/")
MODULE_PATH = re.compile(r"`([A-Za-z0-9_./-]+\.(?:py|json|txt|md|toml))`")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _named_paths(doc: Path) -> tuple[list[str], list[str]]:
    text = doc.read_text(encoding="utf-8")
    named = [
        match
        for match in MODULE_PATH.findall(text)
        if "/" in match and "*" not in match and not match.startswith(GENERATED)
    ]
    links = [link for link in LINK.findall(text) if "://" not in link and not link.startswith("mailto:")]
    return sorted(set(named)), sorted(set(links))


def _exists(path: str, doc: Path) -> bool:
    bases = [doc.parent, *BASES]
    return any((base / path).exists() for base in bases)


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(ROOT)))
def test_every_path_a_doc_names_exists(doc: Path) -> None:
    named, links = _named_paths(doc)
    missing = [path for path in [*named, *links] if not _exists(path, doc)]
    assert missing == [], f"{doc.relative_to(ROOT)} names files that do not exist: {missing}"


def test_the_check_reads_paths_and_links() -> None:
    """The check itself: a doc that names a missing module is caught (the patterns match what docs write);
    where a run writes its report is not a file of the repository."""
    named, links = _named_paths(ROOT / "CONTRIBUTING.md")
    assert "core/recorder.py" in named
    assert not [path for path in named if path.startswith(".pytest_cache/")]
    assert "docs/design.md" in links
    assert not _exists("core/outcome_recorder.py", ROOT / "CONTRIBUTING.md")


def test_the_performance_page_shows_the_latest_bench_result() -> None:
    """docs/performance.md's tables are rendered from bench/results/latest.json (bench/render.py): no
    figure on it is typed by hand."""
    checked = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "render.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
