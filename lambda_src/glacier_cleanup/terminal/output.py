"""What the terminal tool prints: one row per upload it acted on (or would), then the summary."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from glacier_cleanup.core.counters import BYTE_COUNTS, COUNT_KEYS, COUNTS, NOT_DONE_STATUSES
from glacier_cleanup.core.notice import FIRST_FEW, Notice
from glacier_cleanup.core.outcomes import UploadOutcome
from glacier_cleanup.core.sizes import human_bytes

ROW_FIELDS = (
    "account",
    "region",
    "vault",
    "upload_id",
    "created",
    "age_hours",
    "description",
    "action",
    "parts",
    "bytes",
    "unchanged_hours",
    "uploader",
    "abortable_after",
)


@dataclass(frozen=True)
class Row:
    account: str
    region: str
    outcome: UploadOutcome
    # Kept by the activity check: from when a run may abort it if its parts stay the same (core/records.py).
    abortable_after: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        upload, measured = self.outcome.upload, self.outcome.measured
        return {
            "account": self.account,
            "region": self.region,
            "vault": upload.vault,
            "upload_id": upload.upload_id,
            "created": upload.creation_date,
            "age_hours": self.outcome.age_hours,
            "description": self.outcome.description,
            "action": self.outcome.label,
            # What the look at its parts found (None: not measured), and since when it is the same.
            "parts": None if measured is None else measured.progress.parts,
            "bytes": None if measured is None else measured.progress.bytes,
            "unchanged_hours": None if measured is None else measured.unchanged_hours,
            "uploader": self.outcome.uploader,
            "abortable_after": None if self.abortable_after is None else _utc(self.abortable_after),
        }

    @property
    def is_stale(self) -> bool:
        return self.outcome.action.is_stale


def shown(rows: Sequence[Row], *, show_all: bool) -> list[Row]:
    """Stale uploads and old ones the activity check kept, always; protected and skipped ones (with the
    reason) only when asked."""
    picked = [row for row in rows if show_all or row.is_stale or row.outcome.action.is_kept_by_activity]
    return sorted(
        picked, key=lambda row: (row.region, row.outcome.upload.vault, row.outcome.upload.upload_id)
    )


def totals(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One result for every region: counts summed; status the worst one; complete only if all were."""
    statuses = [result["status"] for result in results.values()]
    # Glacier missing or a region not enabled: nothing to clean there, not a problem of this run.
    status = next((s for s in NOT_DONE_STATUSES if s in statuses), "ok")
    combined: dict[str, Any] = {
        "status": status,
        "dry_run": all(result["dry_run"] for result in results.values()),
        "complete": all(result["complete"] for result in results.values()),
    }
    for key in COUNT_KEYS:  # summed over regions (the rest of a region's result is per region)
        combined[key] = sum(int(result.get(key, 0)) for result in results.values())
    combined["failures"] = [failure for result in results.values() for failure in result["failures"]]
    return combined


def render_json(account: str, arn: str, results: dict[str, dict[str, Any]], rows: Sequence[Row]) -> str:
    document = {
        **totals(results),
        "account": account,
        "caller_arn": arn,
        "regions": results,
        "uploads": [row.as_dict() for row in rows],
    }
    return json.dumps(document, indent=2) + "\n"


# A spreadsheet reads a cell that starts with one of these as a formula (`=HYPERLINK(...)` is a valid archive
# description): such a cell is written with a leading apostrophe, the OWASP advice for CSV injection.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Only free text is neutralized: the description is whatever the uploader wrote. Identifiers are written
# exactly, for scripts that read them back (an upload id or a vault name may start with "-", and their
# characters, letters, digits, "_", "-" and ".", cannot make a formula that calls anything).
_FREE_TEXT = frozenset({"description"})


def neutralized(value: object) -> object:
    """A CSV cell a spreadsheet shows as text, never evaluates (numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def render_csv(rows: Sequence[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ROW_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(
        {key: neutralized(value) if key in _FREE_TEXT else value for key, value in row.as_dict().items()}
        for row in rows
    )
    return buffer.getvalue()


def _utc(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def render_rows_table(rows: Sequence[Row]) -> str:
    """One line per upload. When the run looked at parts: PARTS, SIZE and SAME (H), how long the parts
    have stayed the same ("new" at a first look, 0 after a change); UPLOADER when a description names one;
    ABORTABLE FROM, for an upload the activity check kept, when a run may abort it if it stays unchanged."""
    if not rows:
        return "No stale uploads.\n"
    measured = any(row.outcome.measured is not None for row in rows)
    named = any(row.outcome.uploader for row in rows)
    waiting = any(row.abortable_after is not None for row in rows)
    header = (
        "REGION",
        "VAULT",
        "UPLOAD ID",
        "CREATED",
        "AGE (H)",
        *(("PARTS", "SIZE", "SAME (H)") if measured else ()),
        "ACTION",
        *(("ABORTABLE FROM",) if waiting else ()),
        *(("UPLOADER",) if named else ()),
        "DESCRIPTION",
    )
    lines = [
        (
            row.region,
            row.outcome.upload.vault,
            row.outcome.upload.upload_id,
            row.outcome.upload.creation_date or "-",
            "-" if row.outcome.age_hours is None else f"{row.outcome.age_hours:.1f}",
            *(_measured_cells(row) if measured else ()),
            row.outcome.label,
            *((_utc(row.abortable_after) if row.abortable_after else "-",) if waiting else ()),
            *((row.outcome.uploader or "-",) if named else ()),
            row.outcome.description or "",
        )
        for row in rows
    ]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines, strict=False)]
    widths[-1] = 0  # the description is last and not padded
    rendered = [
        "  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)) for line in (header, *lines)
    ]
    return "".join(text.rstrip() + "\n" for text in rendered)


def _measured_cells(row: Row) -> tuple[str, str, str]:
    measured = row.outcome.measured
    if measured is None:
        return ("-", "-", "-")
    same = "new" if measured.unchanged_hours is None else f"{measured.unchanged_hours:.1f}"
    return (str(measured.progress.parts), human_bytes(measured.progress.bytes), same)


def _notice_lines(notice: Notice | None) -> list[str]:
    """With --schedule: what the stack's next run will abort unless it changes, the first few by name."""
    if notice is None or notice.next_run is None:
        return []
    by = _utc(notice.next_run)
    if not notice.uploads:
        return [f"  next scheduled run (by {by}): nothing due to be aborted"]
    return [
        f"  will be aborted at the next scheduled run (by {by}) unless they change: {notice.uploads} "
        f"uploads, {human_bytes(notice.bytes)}",
        *(
            f"    {pending.region} {pending.vault} {pending.upload_id} (from {_utc(pending.abortable_after)})"
            for pending in notice.pending[:FIRST_FEW]
        ),
    ]


def render_summary_table(
    account: str, results: dict[str, dict[str, Any]], notice: Notice | None = None
) -> str:
    combined = totals(results)
    mode = "DRY RUN (nothing aborted)" if combined["dry_run"] else "APPLIED"
    lines = [f"Glacier multipart cleanup: {mode}", f"  account {account}"]
    for region, result in results.items():
        stopped = f", stopped: {result['stopped_by']}" if result.get("stopped_by") else ""
        lines.append(
            f"  {region}: status {result['status']}, complete {str(result['complete']).lower()}, "
            f"{result['duration_ms']} ms{stopped}"
        )
    first = next(iter(results.values()), None)
    if first is not None:
        idle = f" and unchanged for {first['idle_hours']:g} h" if first.get("idle_hours") else ""
        lines.append(
            f"  stale means created before {first['cutoff']} ({first['older_than_hours']:g} h old){idle}"
        )
    checked = any(result.get("activity_check") for result in results.values())
    rows = [(count.label, combined[count.key]) for count in COUNTS if checked or not count.activity]
    measured = [result for result in results.values() if result.get("bytes_stale") is not None]
    if measured:
        rows += [(count.label, sum(int(r.get(count.key) or 0) for r in measured)) for count in BYTE_COUNTS]
    width = max(len(label) for label, _ in rows)
    lines += [f"  {label:<{width}}  {value:>8}" for label, value in rows]
    if measured:
        cost = sum(float(result.get("stale_monthly_cost_usd") or 0) for result in measured)
        lines.append(f"  {'stale uploads cost about':<{width}}  {cost:>8.2f} USD a month (estimate)")
    lines += _notice_lines(notice)
    if combined["failures"]:
        lines.append("  failures (first ones):")
        lines += [
            f"    {failure['vault'] or '-'} {failure['upload_id'] or '-'}: {failure['error']}"
            for failure in combined["failures"]
        ]
    return "\n".join(lines) + "\n"
