"""Where does an engine run lose time against T_min? ``python bench/diagnose.py --latency-ms 200``.

Not part of ``make bench``: a diagnostic. Runs the real ``lambda_handler`` in this process against an emulator
process, with every Glacier call of the adapter timed, and botocore's ``before-send``/``before-parse`` events
splitting each call into wire time (request sent -> response read: emulator latency, emulator CPU, socket)
and client time (boto3 serialisation, signing, parsing, engine work on the calling thread). Prints JSON:
call-time percentiles, how many calls were in flight over the run (utilisation of the C workers), ramp-up
and tail, and the client CPU per call.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import cProfile
import json
import os
import pstats
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from common import Scenario, log, seed
from processes import emulator, function_environment

_Event = tuple[str, float, float]


class Recorder:
    """(operation, start, end) of every adapter call, and wire times from botocore's events."""

    def __init__(self) -> None:
        self.calls: list[_Event] = []
        self.wire: list[float] = []
        self._local = threading.local()
        self._lock = threading.Lock()

    def before_send(self, **_kwargs: Any) -> None:
        self._local.sent = time.perf_counter()

    def before_parse(self, **_kwargs: Any) -> None:
        sent = getattr(self._local, "sent", None)
        if sent is not None:
            with self._lock:
                self.wire.append(time.perf_counter() - sent)

    def timed(self, operation: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args)
            finally:
                with self._lock:
                    self.calls.append((operation, started, time.perf_counter()))

        return wrapper

    def timed_pages(
        self, operation: str, method: Callable[..., Iterator[Any]]
    ) -> Callable[..., Iterator[Any]]:
        def wrapper(*args: Any) -> Iterator[Any]:
            pages = method(*args)
            while True:
                started = time.perf_counter()
                page = next(pages, None)
                with self._lock:
                    self.calls.append((operation, started, time.perf_counter()))
                if page is None:
                    return
                yield page

        return wrapper


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000, 1)

    return {"p50_ms": at(0.5), "p90_ms": at(0.9), "p99_ms": at(0.99), "max_ms": round(ordered[-1] * 1000, 1)}


def utilisation(calls: list[_Event], started: float, ended: float, step: float) -> list[float]:
    """Mean calls in flight per `step` seconds."""
    buckets = []
    lo = started
    while lo < ended:
        hi = lo + step
        busy = sum(max(0.0, min(end, hi) - max(start, lo)) for _op, start, end in calls)
        buckets.append(round(busy / step, 1))
        lo = hi
    return buckets


TOP = int(os.environ.get("DIAGNOSE_TOP", "25"))
_PACKAGES = ("glacier_cleanup", "botocore", "boto3", "urllib3", "http", "logging", "aws_lambda_powertools",
             "json", "ssl", "socket", "threading", "concurrent", "email", "pydantic")  # fmt: skip


def _package(filename: str) -> str:
    for package in _PACKAGES:
        if f"/{package}/" in filename or filename.endswith(f"/{package}.py"):
            return package
    return "other" if filename.startswith(("/", ".")) else "builtins"


def profile_summary(profiler: cProfile.Profile, *, aborted: int) -> dict[str, Any]:
    """Own time by package (ms per aborted upload) and the 25 functions with the most own time."""
    stats = pstats.Stats(profiler)
    by_package: collections.Counter[str] = collections.Counter()
    rows = []
    for (filename, line, name), (_calls, ncalls, own, _cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        by_package[_package(filename)] += own
        rows.append((own, ncalls, f"{filename.rsplit('/site-packages/', 1)[-1]}:{line}({name})"))
    per_upload = {name: round(own * 1000 / max(1, aborted), 3) for name, own in by_package.most_common()}
    top = [
        {"own_ms_per_upload": round(own * 1000 / max(1, aborted), 4), "calls": ncalls, "function": where}
        for own, ncalls, where in sorted(rows, reverse=True)[:TOP]
    ]
    return {"own_ms_per_aborted_upload_by_package": per_upload, "top_functions": top}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/diagnose.py", description=__doc__)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--vaults", type=int, default=20)
    parser.add_argument("--stale", type=int, default=60)
    parser.add_argument("--fresh", type=int, default=15)
    parser.add_argument(
        "--rate-limit", type=float, default=0.0, help="the emulator's token bucket, requests/s"
    )
    parser.add_argument("--timeline", action="store_true", help="include in-flight calls per L interval")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the measured run: CPU by package and the top functions",
    )
    args = parser.parse_args(argv)
    scenario = Scenario(args.vaults, args.stale, args.fresh)
    latency = args.latency_ms / 1000

    options = ["--rate-limit", str(args.rate_limit)] if args.rate_limit else []
    with emulator(args.latency_ms, *options) as handle:
        assert handle.endpoint_url is not None
        os.environ.clear()
        os.environ.update(function_environment(handle.endpoint_url, args.concurrency))
        sys.path.insert(0, os.environ["PYTHONPATH"])
        from glacier_cleanup import handler  # noqa: PLC0415 - after the environment is set
        from glacier_cleanup.aws import glacier  # noqa: PLC0415
        from glacier_cleanup.observability import set_log_stream  # noqa: PLC0415

        devnull = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        set_log_stream(devnull)
        recorder = Recorder()
        adapter = glacier.GlacierAdapter
        adapter.iter_vault_pages = recorder.timed_pages("ListVaults", adapter.iter_vault_pages)  # type: ignore[method-assign]
        adapter.iter_upload_pages = recorder.timed_pages("ListMultipartUploads", adapter.iter_upload_pages)  # type: ignore[method-assign]
        adapter.abort_upload = recorder.timed("AbortMultipartUpload", adapter.abort_upload)  # type: ignore[method-assign]
        create_client = handler.create_client

        def create_recorded_client(**kwargs: Any) -> Any:  # the handler builds one client per run
            client = create_client(**kwargs)
            client.meta.events.register("before-send.glacier", recorder.before_send)
            client.meta.events.register("before-parse.glacier", recorder.before_parse)
            return client

        handler.create_client = create_recorded_client

        from worker import FakeLambdaContext  # noqa: PLC0415

        profiler = cProfile.Profile() if args.profile else None

        def invoke(profile: cProfile.Profile | None = None) -> tuple[float, float, float, dict[str, Any]]:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu = usage.ru_utime + usage.ru_stime
            started = time.perf_counter()
            with contextlib.redirect_stdout(devnull), profile or contextlib.nullcontext():
                result = handler.lambda_handler({}, FakeLambdaContext())  # type: ignore[arg-type]
            ended = time.perf_counter()
            usage = resource.getrusage(resource.RUSAGE_SELF)
            return started, ended, usage.ru_utime + usage.ru_stime - cpu, result

        seed(handle, Scenario(1, 150, 0, prefix="warmup"))
        invoke()
        seed(handle, scenario)
        if args.rate_limit:
            handle.configure(rate_limit=args.rate_limit)  # a full bucket again after the warm-up
        recorder.calls.clear()
        recorder.wire.clear()
        # Since Python 3.12 cProfile rides on sys.monitoring: enabled once, it sees every thread of the run.
        started, ended, cpu, result = invoke(profiler)

    seconds = ended - started
    t_min = scenario.t_min(latency, args.concurrency)
    calls = list(recorder.calls)
    durations = [end - start for _op, start, end in calls]
    busy = sum(durations)
    aborts = [end - start for op, start, end in calls if op == "AbortMultipartUpload"]
    first_abort = min(start for op, start, _end in calls if op == "AbortMultipartUpload")
    last_end = max(end for _op, _start, end in calls)
    n_calls = sum(scenario.minimal_calls().values())
    report: dict[str, Any] = {
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "scenario": scenario.describe(),
        "seconds": round(seconds, 3),
        "t_min_seconds": round(t_min, 3),
        "efficiency": round(t_min / seconds, 3),
        "aborted": result["uploads_aborted"],
        "calls_timed": len(calls),
        "call_time": _percentiles(durations),
        "abort_call_time": _percentiles(aborts),
        "wire_time": _percentiles(recorder.wire),
        "mean_call_ms": round(statistics.fmean(durations) * 1000, 2),
        "mean_wire_ms": round(statistics.fmean(recorder.wire) * 1000, 2),
        "mean_workers_busy": round(busy / seconds, 2),
        "utilisation_of_c": round(busy / seconds / args.concurrency, 3),
        "first_abort_after_ms": round((first_abort - started) * 1000, 1),
        "end_after_last_call_ms": round((ended - last_end) * 1000, 1),
        "client_cpu_ms_per_call": round(cpu * 1000 / n_calls, 3),
        "client_cpu_ms_per_aborted_upload": round(cpu * 1000 / max(1, result["uploads_aborted"]), 3),
        # If each call took exactly its mean time and all C workers were always busy:
        "t_if_fully_busy_seconds": round(statistics.fmean(durations) * n_calls / args.concurrency, 3),
    }
    if args.timeline:
        report["in_flight_per_latency_interval"] = utilisation(calls, started, ended, latency)
    if profiler is not None:
        report["profile"] = profile_summary(profiler, aborted=result["uploads_aborted"])
    log(f"efficiency {report['efficiency']}, mean call {report['mean_call_ms']} ms")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
