"""The run summary for people (docs/operations.md, "The run summary"): after a scheduled run, a short message
to the stack's summary topic (e-mail, Slack or Teams): what was aborted, what the next run will abort unless
it changes, what failed and what to do, and where the records are. The state machine that ran the rounds
publishes the message its last round made; none when nothing happened and nothing is pending, unless the
config asks for one every run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from glacier_cleanup.core.notice import FIRST_FEW, Notice, PendingAbort
from glacier_cleanup.core.sizes import human_bytes

# SNS refuses a subject longer than this.
SUBJECT_LIMIT = 100


@dataclass(frozen=True, slots=True)
class RunTotals:
    """What the whole run did (every round), as its message reports it."""

    status: str
    dry_run: bool
    aborted: int
    would_abort: int
    failures: int
    not_reached: int
    bytes_released: int | None  # None: not measured
    rounds: int = 1

    @classmethod
    def of(cls, result: Mapping[str, Any], earlier: Mapping[str, int], *, rounds: int) -> RunTotals:
        """A round's result plus what the rounds before it counted (core/coverage.py's carry, summed)."""

        def total(key: str) -> int:
            return int(result.get(key) or 0) + int(earlier.get(key) or 0)

        stale, aborted = total("uploads_stale"), total("uploads_aborted")
        dry_run = bool(result.get("dry_run"))
        released = result.get("bytes_released")
        return cls(
            status=str(result.get("status", "failed")),
            dry_run=dry_run,
            aborted=aborted,
            would_abort=stale if dry_run else 0,
            failures=total("abort_failures") + total("vault_failures") + total("activity_failures"),
            not_reached=total("uploads_not_reached"),
            # Bytes are counted per round and not handed on: reported only for a run of one round.
            bytes_released=None if rounds > 1 or released is None else int(released),
            rounds=rounds,
        )

    @property
    def eventful(self) -> bool:
        return (
            bool(self.aborted or self.would_abort or self.failures or self.not_reached) or self.status != "ok"
        )


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _pending_line(pending: PendingAbort, *, with_place: bool) -> str:
    place = f"{pending.account} {pending.region} " if with_place else ""
    size = "" if pending.bytes is None else f", {human_bytes(pending.bytes)}"
    return (
        f"  - {place}{pending.vault} {pending.upload_id} "
        f"(abortable from {_when(pending.abortable_after)}{size})"
    )


def _aborted_line(totals: RunTotals) -> str:
    if totals.dry_run:
        return f"Dry run: {totals.would_abort} stale uploads would have been aborted; nothing was aborted."
    size = "" if totals.bytes_released is None else f", {human_bytes(totals.bytes_released)} released"
    return f"Aborted: {totals.aborted} uploads{size}."


def _notice_lines(notice: Notice, *, with_place: bool) -> list[str]:
    if notice.next_run is None:
        return ["Next run: not known (no schedule), so no notice of what it will abort."]
    if not notice.uploads:
        return [f"Next run (by {_when(notice.next_run)}): nothing is due to be aborted."]
    lines = [
        f"Will be aborted at the next run (by {_when(notice.next_run)}) unless they change: "
        f"{notice.uploads} uploads, {human_bytes(notice.bytes)}:",
        *(_pending_line(pending, with_place=with_place) for pending in notice.pending[:FIRST_FEW]),
    ]
    if notice.uploads > FIRST_FEW:
        lines.append(f"  ...and {notice.uploads - FIRST_FEW} more (the records name them all).")
    lines.append(
        "To keep one: add parts to it, or protect it (protect_description_regex), or exclude its vault, "
        "before then."
    )
    return lines


def _failure_lines(totals: RunTotals, failures: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = []
    if totals.failures:
        first = "; ".join(
            " ".join(str(failure[key]) for key in ("vault", "upload_id") if failure.get(key))
            + f": {failure.get('error')}"
            for failure in failures[:3]
        )
        lines.append(f"Failures: {totals.failures} ({first}).")
        lines.append(
            "What to do: nothing was lost; the next run retries. If they repeat, read the run's log lines "
            "(saved query 'failures by vault') and docs/operations.md, Alarms."
        )
    if totals.not_reached:
        lines.append(
            f"Not reached: {totals.not_reached} stale uploads (the run stopped at its time budget); the next "
            "run continues. If this repeats, raise concurrency or run more often."
        )
    return lines


def _attention_lines(attention: Sequence[str]) -> list[str]:
    """The organization's targets whose status needs attention (no access, failed, partial, ...)."""
    if not attention:
        return []
    more = f" ...and {len(attention) - FIRST_FEW} more" if len(attention) > FIRST_FEW else ""
    return [
        f"Needs attention: {len(attention)} targets: {'; '.join(attention[:FIRST_FEW])}{more}.",
        "What to do: docs/organization.md says what each status means and how to fix it (no_access: "
        "the member role is missing in that account).",
    ]


def run_message(
    *,
    name: str,
    run_id: str,
    totals: RunTotals,
    notice: Notice,
    failures: Sequence[Mapping[str, Any]] = (),
    records: str | None = None,
    always: bool = False,
    with_place: bool = False,
    attention: Sequence[str] = (),
    retiring: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """{"send", "subject", "text"}: `send` is false when nothing happened and nothing is pending (unless
    `always`). `with_place` names each pending upload's account and region (the organization's message)."""
    subject = (
        f"Glacier cleanup {name}: "
        + ("dry run, " if totals.dry_run else "")
        + f"{totals.aborted} aborted, {notice.uploads} due next run, status {totals.status}"
    )
    text = [
        f"Glacier multipart cleanup, {name}: run {run_id} ({totals.rounds} round"
        f"{'s' if totals.rounds != 1 else ''}), status {totals.status}.",
        _aborted_line(totals),
        *_notice_lines(notice, with_place=with_place),
        *_failure_lines(totals, failures),
        *_attention_lines(attention),
        *_retiring_lines(retiring),
    ]
    if records:
        text.append(f"Every decision of the run: {records}")
    body = "\n".join(text)
    chat = {  # AWS Chatbot's custom notification: what it shows in Slack or Teams
        "version": "1.0",
        "source": "custom",
        "content": {"textType": "client-markdown", "title": subject[:SUBJECT_LIMIT], "description": body},
    }
    return {
        "send": always or totals.eventful or notice.uploads > 0 or _retiring_eventful(retiring),
        "subject": subject[:SUBJECT_LIMIT],
        "text": body,
        # Per protocol (SNS MessageStructure json): text for e-mail and the default, JSON for Chatbot.
        "sns": {"default": body, "email": body, "https": json.dumps(chat, ensure_ascii=False)},
    }


def _retiring_lines(retiring: Sequence[Mapping[str, Any]]) -> list[str]:
    """The vaults being retired (`decommission_vaults`; core/decommission.py): where each stands."""
    if not retiring:
        return []
    lines = ["Vaults being retired:"]
    for vault in retiring:
        aborted = int(vault.get("uploads_aborted") or 0)
        lines.append(
            f"- {vault.get('vault')}: {vault.get('outcome')}"
            + (f" ({aborted} upload(s) aborted)" if aborted else "")
        )
    return lines


def _retiring_eventful(retiring: Sequence[Mapping[str, Any]]) -> bool:
    """Worth a message: a vault deleted, uploads aborted, or a vault a person must act on."""
    quiet = ("waiting for Glacier's next inventory", "refused: no such vault (or deleted by an earlier run)")
    return any(
        int(vault.get("uploads_aborted") or 0) or vault.get("outcome") not in quiet for vault in retiring
    )
