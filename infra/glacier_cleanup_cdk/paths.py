"""Files the constructs read at synth time (no network, no AWS calls), in a checkout of the repository or
from the installed package (`pip install "glacier-multipart-cleanup[cdk]"`)."""

from pathlib import Path

# glacier_cleanup_cdk/paths.py in a checkout; in an installed package these name nothing that exists,
# and what reads them falls back to the installed distribution (powertools.py, lambda_defaults.py).
REPO_ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = REPO_ROOT / "requirements.txt"
BUILD_DIR = REPO_ROOT / ".build"
