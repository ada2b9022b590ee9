"""One run of the terminal tool, after its flags parsed (glacier_cleanup.cli): the settings and the plan,
the account and regions, the question before aborting, the engine in each region, and the output."""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from glacier_cleanup.aws.glacier import (
    AwsSession,
    ClientSetupError,
    GlacierAdapter,
    create_client,
    create_session,
)
from glacier_cleanup.aws.identity import caller_identity, glacier_regions
from glacier_cleanup.aws.observations import DynamoObservationStore
from glacier_cleanup.aws.roles import refreshing_session, session_name
from glacier_cleanup.core.activity import ObservationStore, StoreError
from glacier_cleanup.core.decisions import cutoff_for
from glacier_cleanup.core.engine import run_cleanup
from glacier_cleanup.core.models import CleanupPlan, Failure, NoAccessError, RunSummary
from glacier_cleanup.core.notice import Notice
from glacier_cleanup.core.outcomes import UploadOutcome
from glacier_cleanup.core.records import RunContext, abortable_after, decision_record
from glacier_cleanup.core.stopping import Stop
from glacier_cleanup.inputs.events import InvalidEventError, parse_request
from glacier_cleanup.inputs.limits import REGION_PATTERN
from glacier_cleanup.inputs.settings import Settings, SettingsError
from glacier_cleanup.observability import logger, set_log_stream
from glacier_cleanup.terminal import state_file
from glacier_cleanup.terminal.exits import EXIT_BAD_INPUT, EXIT_FAILURES, EXIT_INTERRUPTED, EXIT_OK
from glacier_cleanup.terminal.interaction import (
    CountingGlacier,
    Interrupts,
    Progress,
    Tally,
    confirm,
)
from glacier_cleanup.terminal.output import (
    Row,
    render_csv,
    render_json,
    render_rows_table,
    render_summary_table,
    shown,
    totals,
)
from glacier_cleanup.terminal.records_file import checked_path, write_records
from glacier_cleanup.terminal.schedule import Schedule, checked_schedule, notice_of_rows

# Per region, the (vault, upload id) of the stale uploads the operator was shown and confirmed.
Confirmed = dict[str, frozenset[tuple[str, str]]]

AGE_ONLY_WARNING = (
    "WARNING: activity check off (--no-activity-check or CLEANUP_ACTIVITY_CHECK=false): uploads are judged "
    "by age alone, and an old upload that is still receiving parts would be aborted too"
)


class _Prepared:
    def __init__(
        self,
        settings: Settings,
        plan: CleanupPlan,
        session: AwsSession,
        store: ObservationStore | None,
        *,
        record: Path | None = None,
        schedule: Schedule | None = None,
    ) -> None:
        self.settings, self.plan, self.session, self.store = settings, plan, session, store
        self.record = record
        self.schedule = schedule


def check_regions(regions: Sequence[str] | None) -> None:
    """Every --region is checked before the first call: a bad second one must not fail after the first
    region's aborts."""
    bad = [region for region in regions or () if not re.fullmatch(REGION_PATTERN, region)]
    if bad:
        raise ClientSetupError(
            f"--region: {', '.join(repr(region) for region in bad)} is not a region name "
            "(allowed: names like eu-west-1, lower-case letters and digits joined by '-')"
        )


def _prepare(args: argparse.Namespace) -> _Prepared:
    check_regions(args.regions)
    settings = Settings.from_environ(os.environ)
    # The flags that the Lambda event also has are validated by the same model, with the same limits.
    request = parse_request(
        dry_run=args.dry_run,
        older_than_hours=args.older_than_hours,
        vaults=args.vaults,
        max_aborts=args.max_aborts,
        activity_check=args.activity_check,
        idle_hours=args.idle_hours,
    )
    plan = settings.to_plan(
        **request.overrides(),
        exclude_vaults=args.exclude_vaults,
        concurrency=args.concurrency,
        log_descriptions=args.descriptions,
    )
    record = checked_path(args.record) if args.record else None
    schedule = checked_schedule(args)
    session = create_session(region=(args.regions or [None])[0], profile=args.profile)
    # The looks are the operator's (or the stack's table): kept with the operator's own credentials.
    store = _observation_store(args, plan, session)
    if args.account:
        # Raises NoAccessError (exit 2, nothing called) when the role is missing or does not trust us. The
        # credentials renew themselves: a long backlog run outlives one AssumeRole session.
        session = refreshing_session(
            session,
            account_id=args.account,
            role_name=args.role_name,
            session_name=session_name("glacier-cleanup-cli", str(os.getpid())),
        )
    return _Prepared(settings, plan, session, store, record=record, schedule=schedule)


def _observation_store(
    args: argparse.Namespace, plan: CleanupPlan, session: AwsSession
) -> ObservationStore | None:
    if not plan.activity_check:
        return None
    if args.state_table:
        return DynamoObservationStore(session, args.state_table, concurrency=plan.concurrency)
    try:
        return state_file.LocalObservationFile(
            Path(args.state_file) if args.state_file else state_file.default_path()
        )
    except StoreError as exc:
        raise ClientSetupError(f"--state-file: {exc}") from exc


def regions_of(args: argparse.Namespace, session: AwsSession) -> list[str]:
    """The regions `--region`/`--all-regions` name, or the session's own (the other terminal commands too)."""
    if args.all_regions:
        return glacier_regions(session)
    if args.regions:
        return list(dict.fromkeys(args.regions))
    if not session.region_name:
        raise ClientSetupError("no region: pass --region or configure one (AWS_REGION, ~/.aws/config)")
    return [session.region_name]


class _Runner:
    """Runs the engine in each region in turn, collecting the rows; one Stop for all of them."""

    def __init__(self, prepared: _Prepared, account: str, stop: Stop) -> None:
        self._prepared = prepared
        self._account = account
        self._stop = stop
        self._lock = threading.Lock()
        plan = prepared.plan
        # What every record of this invocation shares; also when a kept upload may be aborted, and with
        # --schedule, by when the stack's next run starts.
        now = datetime.now(UTC)
        schedule = prepared.schedule
        self.context = RunContext(
            run_id=str(uuid.uuid4()),
            run_time=now,
            source="terminal",
            idle=plan.idle if plan.activity_check else None,
            next_run=None if schedule is None else schedule.next_run_by(now),
        )

    def run(
        self, regions: Sequence[str], plan: CleanupPlan, confirmed: Confirmed | None = None
    ) -> tuple[dict[str, dict[str, Any]], list[Row]]:
        """Each region in turn; `max_aborts` caps the whole invocation, across its regions. With
        `confirmed`, only those uploads of each region may be aborted (the rest is left for the next run)."""
        results: dict[str, dict[str, Any]] = {}
        rows: list[Row] = []
        left = plan.max_aborts
        for region in regions:
            if self._stop.requested:
                sys.stderr.write(f"{region}: not started (stopped)\n")
                continue
            region_plan = replace(
                plan,
                max_aborts=left,
                confirmed=None if confirmed is None else confirmed.get(region, frozenset()),
            )
            try:
                summary = self._run_region(region, region_plan, rows)
            except Exception as exc:
                sys.stderr.write(f"{region}: failed: {type(exc).__name__}: {exc}\n")
                summary = _failed_region(region_plan, f"{region}: {type(exc).__name__}: {exc}")
            results[region] = summary.to_result()
            if left is not None:
                left = max(0, left - summary.abort_calls)
        return results, rows

    def _run_region(self, region: str, plan: CleanupPlan, rows: list[Row]) -> RunSummary:
        settings = self._prepared.settings
        client = create_client(
            max_attempts=settings.max_attempts,
            retry_mode=settings.retry_mode,
            concurrency=plan.concurrency,
            pacing=settings.pacing,
            max_requests_per_second=settings.max_requests_per_second,
            region=region,
            session=self._prepared.session,
        )
        glacier = CountingGlacier(GlacierAdapter(client, account_id=settings.account_id))
        tally = Tally()

        def observe(outcome: UploadOutcome) -> None:
            tally.see(outcome)
            row = Row(self._account, region, outcome, abortable_after(outcome, self.context))
            with self._lock:
                rows.append(row)

        with Progress(sys.stderr, glacier, tally, region):
            summary = run_cleanup(
                glacier,
                plan,
                stop=self._stop,
                on_upload=observe,
                observations=self._prepared.store,
                account=self._account,
                region=region,
            )
        return summary


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """The run the parsed flags ask for; its exit status (glacier_cleanup.cli's docstring)."""
    set_log_stream(sys.stderr)
    interactive = sys.stdin.isatty() and sys.stderr.isatty()
    if interactive and "POWERTOOLS_LOG_LEVEL" not in os.environ:
        logger.setLevel("WARNING")  # the progress line and the listing say what INFO lines would
    try:
        prepared = _prepare(args)
        account, arn = caller_identity(prepared.session)
        regions = regions_of(args, prepared.session)
    except (SettingsError, InvalidEventError, ClientSetupError, NoAccessError) as exc:
        parser.exit(EXIT_BAD_INPUT, f"glacier-cleanup: error: {exc}\n")
    sys.stderr.write(f"account {account} ({arn})\nregions {', '.join(regions)}\n")
    plan = prepared.plan
    if not plan.activity_check:
        sys.stderr.write(AGE_ONLY_WARNING + "\n")
    stop = Stop()
    Interrupts(stop, sys.stderr).install()
    runner = _Runner(prepared, account, stop)
    try:
        confirmed = None
        if not plan.dry_run and interactive and not args.yes:
            confirmed = _confirmed(runner, regions, plan, account)
            if confirmed is None:
                return EXIT_OK if not stop.requested else EXIT_INTERRUPTED
        results, rows = runner.run(regions, plan, confirmed)
    finally:
        _save_looks(prepared.store)
    if prepared.record is not None:
        _write_record(prepared.record, runner.context, rows)
    notice = notice_of_rows(rows, runner.context)
    _write(args, account, arn, results, shown(rows, show_all=args.show_all), notice=notice)
    if stop.reason == "interrupted":
        return EXIT_INTERRUPTED
    return EXIT_OK if totals(results)["status"] == "ok" else EXIT_FAILURES


def _write_record(path: Path, context: RunContext, rows: Sequence[Row]) -> None:
    """Every upload the run judged, in the records' schema (docs/records.md)."""
    records = (
        decision_record(row.outcome, account=row.account, region=row.region, run=context)
        for row in shown(rows, show_all=True)  # all of them, in the listing's order
    )
    sys.stderr.write(f"record: {write_records(path, records)} decisions in {path}\n")


def _failed_region(plan: CleanupPlan, error: str) -> RunSummary:
    """The result of a region whose run could not start or broke: nothing more done there, and why."""
    summary = RunSummary(
        dry_run=plan.dry_run,
        older_than_hours=plan.older_than.total_seconds() / 3600,
        cutoff=cutoff_for(plan, datetime.now(UTC)),
        complete=False,
    )
    summary.record_failure(Failure(None, None, error), counter="vault_failures")
    return summary


def _confirmed(runner: _Runner, regions: Sequence[str], plan: CleanupPlan, account: str) -> Confirmed | None:
    """A dry run first, shown on the terminal; then the question. The answer: the stale uploads the operator
    was shown and confirmed, per region (None: nothing to do, or no). The real run lists again and judges
    each one at its own moment (nothing that became active or gone meanwhile is aborted), and aborts only
    these: an upload that became stale while the question waited is left for the next run."""
    sys.stderr.write("Looking for stale uploads first (nothing is aborted yet)...\n")
    preview, rows = runner.run(regions, _as_dry_run(plan))
    listed = shown(rows, show_all=False)
    sys.stderr.write(render_rows_table(listed))
    stale = [row for row in listed if row.is_stale]
    if not stale:
        sys.stderr.write("Nothing to abort.\n")
        return None
    question = f"Abort {len(stale)} stale uploads in account {account}, {', '.join(preview)}?"
    if not plan.activity_check:
        question = f"{question[:-1]}, judged by AGE ALONE (their activity was not checked)?"
    if not confirm(question, sys.stdin, sys.stderr):
        sys.stderr.write("Nothing aborted.\n")
        return None
    shown_stale: dict[str, set[tuple[str, str]]] = {}
    for row in stale:
        shown_stale.setdefault(row.region, set()).add(
            (row.outcome.upload.vault, row.outcome.upload.upload_id)
        )
    return {region: frozenset(uploads) for region, uploads in shown_stale.items()}


def _save_looks(store: ObservationStore | None) -> None:
    """The local file of looks is written once, at the end (the table was written as the run went)."""
    if isinstance(store, state_file.LocalObservationFile):
        try:
            store.save(datetime.now(UTC))
        except (OSError, ValueError, TypeError) as exc:
            sys.stderr.write(f"glacier-cleanup: could not save the looks to {store.path}: {exc}\n")


def _as_dry_run(plan: CleanupPlan) -> CleanupPlan:
    return replace(plan, dry_run=True)


def _write(
    args: argparse.Namespace,
    account: str,
    arn: str,
    results: dict[str, dict[str, Any]],
    rows: list[Row],
    *,
    notice: Notice,
) -> None:
    if args.output == "json":
        sys.stdout.write(render_json(account, arn, results, rows))
    elif args.output == "csv":
        sys.stdout.write(render_csv(rows))
        sys.stderr.write(render_summary_table(account, results, notice))
    else:
        sys.stdout.write(render_rows_table(rows) + "\n" + render_summary_table(account, results, notice))
