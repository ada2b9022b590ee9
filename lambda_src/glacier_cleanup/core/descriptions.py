"""How an archive description is shown in logs, results and the terminal tool's output.

Descriptions are often file paths (mt-aws-glacier's file name, CloudBerry's `Path`): the names of the files
a team backs up. Logs are read by more people than the vaults, kept for months, and in the organization mode
gathered from every account into the hub's. So by default a description is shown as a short hash: it still
tells two uploads apart and matches a description an operator already knows
(`printf %s "$DESCRIPTION" | sha256sum | cut -c1-16`), and the uploader (a product's name, core/uploaders.py)
is still named. `full` shows it as Glacier returns it; `none` leaves it out. The protect pattern always
matches the description itself, whatever is shown.
"""

from __future__ import annotations

import hashlib
from typing import Literal

DescriptionMode = Literal["full", "hashed", "none"]
DESCRIPTION_MODES: tuple[DescriptionMode, ...] = ("full", "hashed", "none")
DEFAULT_DESCRIPTION_MODE: DescriptionMode = "hashed"
HASH_PREFIX = "sha256:"


def shown(description: str | None, mode: DescriptionMode) -> str | None:
    """The description as `mode` shows it; None when there is none, or when `mode` is none."""
    if description is None or mode == "none":
        return None
    if mode == "full":
        return description
    return HASH_PREFIX + hashlib.sha256(description.encode("utf-8")).hexdigest()[:16]
