"""The terminal tool's own observation store: a JSON file in the user's cache directory.

`glacier-cleanup` keeps its looks at old uploads here between runs unless `--state-table` names the deployed
DynamoDB table (then the operator and the schedule share one history). The file is read once when the tool
starts and written once when it ends (atomically: a temporary file renamed over it), so a crash loses this
run's looks, never the earlier ones, and losing looks only delays an abort: an upload not seen before is
recorded, never aborted.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from glacier_cleanup.core.activity import Observation, Progress, StoreError, UploadKey

FORMAT_VERSION = 1


def default_path(environ: dict[str, str] | None = None) -> Path:
    """$XDG_CACHE_HOME/glacier-cleanup/observations.json (~/.cache when unset)."""
    env = os.environ if environ is None else environ
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "glacier-cleanup" / "observations.json"


class LocalObservationFile:
    """An ObservationStore in memory, loaded from and saved to one JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._items: dict[str, dict[str, Any]] = {}
        self._changed = False
        if path.exists():
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
                items = document["observations"] if document.get("version") == FORMAT_VERSION else None
            except (OSError, ValueError, AttributeError, KeyError) as exc:
                raise StoreError(f"{path}: unreadable ({exc}); move it away to start a new history") from exc
            if not isinstance(items, dict):
                raise StoreError(f"{path}: not a glacier-cleanup observation file (version {FORMAT_VERSION})")
            # Every entry checked now, before the first call: a bad one found at the end would lose the
            # record of a run that already aborted.
            for key, item in items.items():
                problem = _entry_problem(item)
                if problem is not None:
                    raise StoreError(
                        f"{path}: entry {key!r}: {problem}; remove that entry or move the file away"
                    )
            self._items = items

    def get(self, key: UploadKey) -> Observation | None:
        with self._lock:
            item = self._items.get(str(key))
        if item is None:
            return None
        try:
            return Observation(
                progress=Progress(int(item["parts"]), int(item["bytes"])),
                unchanged_since=datetime.fromisoformat(item["unchanged_since"]).astimezone(UTC),
                last_seen=datetime.fromisoformat(item["last_seen"]).astimezone(UTC),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreError(f"{self.path}: unreadable entry for {key}: {exc}") from exc

    def put(self, key: UploadKey, observation: Observation, *, expires_at: datetime) -> None:
        item = {
            "parts": observation.progress.parts,
            "bytes": observation.progress.bytes,
            "unchanged_since": observation.unchanged_since.isoformat(),
            "last_seen": observation.last_seen.isoformat(),
            "expires_at": expires_at.isoformat(),
        }
        with self._lock:
            self._items[str(key)] = item
            self._changed = True

    def save(self, now: datetime) -> None:
        """Write the file (dropping expired entries), if anything changed."""
        with self._lock:
            if not self._changed:
                return
            kept = {
                key: item
                for key, item in self._items.items()
                if datetime.fromisoformat(str(item.get("expires_at", now.isoformat()))) > now
            }
            document = {"version": FORMAT_VERSION, "observations": kept}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".observations-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(document, stream, separators=(",", ":"))
            Path(temporary).replace(self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _entry_problem(item: object) -> str | None:
    """What is wrong with one stored entry, or None."""
    if not isinstance(item, dict):
        return "not an object"
    for name in ("parts", "bytes"):
        if not isinstance(item.get(name), int) or isinstance(item.get(name), bool) or item[name] < 0:
            return f"{name} must be a whole number >= 0 (got {item.get(name)!r})"
    # An entry without `expires_at` (written by an early version) is dropped at the next save.
    for name in ("unchanged_since", "last_seen", *(("expires_at",) if "expires_at" in item else ())):
        try:
            moment = datetime.fromisoformat(str(item[name]))
        except (KeyError, ValueError) as exc:
            return f"{name} must be an ISO-8601 time ({exc})"
        if moment.tzinfo is None:
            return f"{name} must carry a time zone (got {item[name]!r})"
    return None
