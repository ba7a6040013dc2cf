"""10 params + 100 metrics: ``jupyter_mlops.log(...)`` vs one ``MlflowClient`` call per value.

Measured on the embedded store and on a real ``mlflow server`` (one worker, job execution off)
that this script starts on 127.0.0.1 and stops by its process group. Every sample logs to a
fresh run made outside the timed region. The ratio is reported; there is no fixed target.

    python tests/benchmarks/bench_logging.py [-n 5] [--no-server]
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

from _common import (
    bench_folder,
    free_port,
    header,
    parse_args,
    print_table,
    report,
    timed,
)

N_PARAMS = 10
N_METRICS = 100
SERVER_START_TIMEOUT_S = 90


def payload() -> tuple[dict[str, float], dict[str, str]]:
    metrics = {f"metric_{i:03d}": i * 0.5 for i in range(N_METRICS)}
    params = {f"param_{i:02d}": f"value-{i}" for i in range(N_PARAMS)}
    return metrics, params


def start_server(folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
    env.pop("MLFLOW_TRACKING_URI", None)
    log = open(folder / "server.log", "ab")  # noqa: SIM115 - closed with the server
    cmd = [
        sys.executable,
        "-m",
        "mlflow",
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--backend-store-uri",
        f"sqlite:///{folder / 'server.db'}",
        "--artifacts-destination",
        str(folder / "server-artifacts"),
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )
    uri = f"http://127.0.0.1:{port}"
    deadline = time.time() + SERVER_START_TIMEOUT_S
    while time.time() < deadline:
        if proc.poll() is not None:
            tail = (folder / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"mlflow server exited early:\n{tail}")
        try:
            with urllib.request.urlopen(uri + "/health", timeout=1):
                print(f"  mlflow server up at {uri} after {time.perf_counter() - started:.1f} s")
                return proc, uri
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("mlflow server did not answer /health in time")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def measure(uri: str, label: str, repeat: int) -> dict:
    from mlflow import MlflowClient

    import jupyter_mlops

    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("bench-logging")
    exp_id = exp.experiment_id if exp else client.create_experiment("bench-logging")
    metrics, params = payload()

    def ours(run_id: str) -> None:
        jupyter_mlops.log(metrics=metrics, params=params, run_id=run_id, tracking_uri=uri)

    def baseline(run_id: str) -> None:
        for key, value in params.items():
            client.log_param(run_id, key, value)
        for key, value in metrics.items():
            client.log_metric(run_id, key, value)

    def fresh_run() -> str:
        return client.create_run(exp_id).info.run_id

    ours(fresh_run())  # warm-up: migrations, connections, first writes
    baseline(fresh_run())
    our_times, base_times = [], []
    check_run = None
    for _ in range(repeat):
        run_id = fresh_run()
        our_times.append(timed(lambda rid=run_id: ours(rid))[0])
        check_run = run_id
        run_id = fresh_run()
        base_times.append(timed(lambda rid=run_id: baseline(rid))[0])
    data = client.get_run(check_run).data
    complete = len(data.metrics) == N_METRICS and len(data.params) == N_PARAMS
    print_table(
        f"{N_PARAMS} params + {N_METRICS} metrics on {label}",
        [
            ("jupyter_mlops.log(metrics=, params=, run_id=)", our_times),
            ("baseline: MlflowClient.log_param/log_metric each", base_times),
        ],
    )
    print(
        f"  our run holds {len(data.params)} params, {len(data.metrics)} metrics: "
        f"{'complete' if complete else 'INCOMPLETE'}"
    )
    return report(
        "bench_logging",
        f"log 10 params + 100 metrics, {label}",
        ("jupyter_mlops.log", our_times),
        ("one call per value", base_times),
        "none (ratio reported)",
        None,
        extra={"complete": complete},
    )


def main() -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        extra=lambda p: p.add_argument("--no-server", action="store_true", help="embedded only"),
    )
    header(f"bench_logging: batched log vs one call per value  (N={args.repeat})")
    with bench_folder("logging", args.keep) as work:
        import logging

        import mlflow  # noqa: F401 - configures its loggers on import; quiet them after

        logging.getLogger("mlflow").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        from jupyter_mlops.config import get_settings

        measure(get_settings().tracking_uri, "embedded store (SQLite)", args.repeat)
        if args.no_server:
            return 0
        proc, uri = start_server(work)
        try:
            measure(uri, "mlflow server --workers 1", args.repeat)
        finally:
            stop_server(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
