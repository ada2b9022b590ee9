"""Where a continuation round resumes, and what it hands on to the next one.

A scheduled run that stops at its time budget is invoked again (the state machines' continuation loop). The
next round starts after the last vault up to which every vault of this round was finished: listed to its
last page and every old upload judged. Starting again at the first vault instead would spend each round's
budget on the ListParts pages of the same kept uploads, and vaults late in the alphabet could be starved.

The order is the run's own: ListVaults answers in vault-name order (ASCII), a configured list in its order.
A listing seen out of name order resumes nowhere (the next round starts at the first vault again): skipping
by name could then skip a vault never reached.

What a round hands on (`carry`): the next round does not see the vaults it resumes after, so their counts
are carried whole; of the vaults it sees again, only what this round removed (aborted, already gone: those
uploads are gone, so the found and stale counts they added go with them) and the abort calls it made, which
count against `max_aborts` in every round after.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping

from glacier_cleanup.core.counters import COUNT_KEYS

# A vault with any of these counts was not finished: the next round must see it again.
_UNFINISHED = ("uploads_not_reached", "vaults_not_reached")
# Uploads a round removed: never seen again, whichever round looks next.
_REMOVED = ("uploads_aborted", "uploads_already_gone")
# Carried alongside the counters: the abort slots used, which `max_aborts` caps across the rounds.
ABORT_CALLS = "abort_calls"
CARRY_KEYS = (*COUNT_KEYS, ABORT_CALLS)


def resumed(vaults: Iterable[str], resume_after: str | None, *, configured: bool) -> Iterator[str]:
    """The vaults a round still has to do: after `resume_after` by name (a listing), or by position (a
    configured list; one that does not hold it is done from its start)."""
    if resume_after is None:
        yield from vaults
        return
    if not configured:
        yield from (vault for vault in vaults if vault > resume_after)
        return
    names = list(vaults)
    start = names.index(resume_after) + 1 if resume_after in names else 0
    yield from names[start:]


class Coverage:
    """The order in which a round started its vaults, to find where the next round resumes."""

    def __init__(self, resume_after: str | None, *, configured: bool) -> None:
        self._order: list[str] = []
        self._lock = threading.Lock()
        self._resume_after = resume_after
        self._in_name_order = True
        self._configured = configured

    def started(self, vault: str) -> None:
        with self._lock:
            if self._order and vault <= self._order[-1]:
                self._in_name_order = False
            self._order.append(vault)

    def resume_after(self, counts_of: Callable[[str], Mapping[str, int]]) -> str | None:
        """The last vault of the finished run of vaults this round started, else where this round itself
        resumed (None: from the first vault)."""
        if not self._configured and not self._in_name_order:
            return None
        last = self._resume_after
        for vault in self._finished(counts_of):
            last = vault
        return last

    def carry(self, counts_of: Callable[[str], Mapping[str, int]]) -> dict[str, int]:
        """What the next round adds to its own counts (see the module's docstring)."""
        resumable = self._configured or self._in_name_order
        finished = set(self._finished(counts_of)) if resumable else set()
        carried: Counter[str] = Counter(dict.fromkeys(CARRY_KEYS, 0))
        for vault in self._order:
            counts = counts_of(vault)
            if vault in finished:
                carried.update(counts)
                continue
            removed = sum(counts.get(key, 0) for key in _REMOVED)
            carried.update({key: counts.get(key, 0) for key in _REMOVED})
            carried.update(uploads_found=removed, uploads_stale=removed)
            carried[ABORT_CALLS] += counts.get("uploads_aborted", 0) + counts.get("abort_failures", 0)
        return {key: carried[key] for key in CARRY_KEYS}

    def _finished(self, counts_of: Callable[[str], Mapping[str, int]]) -> Iterator[str]:
        with self._lock:
            order = list(self._order)
        for vault in order:
            counts = counts_of(vault)
            if any(counts.get(key, 0) for key in _UNFINISHED):
                return
            yield vault
