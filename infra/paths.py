"""Repository paths the app reads at synth time (files only; no network, no AWS calls)."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
LAMBDA_SOURCE = REPO_ROOT / "lambda_src"
REQUIREMENTS = REPO_ROOT / "requirements.txt"
BUILD_DIR = REPO_ROOT / ".build"
