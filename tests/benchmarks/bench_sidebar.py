"""The sidebar's REST API and UI with a large registry, and the size of the built bundle.

    python tests/benchmarks/bench_sidebar.py [-n N] [--models 1000] [--versions 3]

1. ``GET {base_url}mlops/models`` of a real JupyterLab, with 1,000 registered models x 3
   versions on a real ``mlflow server``, warm (the cache filled), against the baseline: the
   bare ``MlflowClient.search_registered_models`` calls that list the same models.
   Target: p50 at most 150 ms.
2. The Models tab's first paint in headless Chromium (Debian's), same registry: from the
   click on the sidebar tab to the first frame after the first model row is in the DOM.
   Target: under 1 s.
3. The size of a production build of the lab extension (built in a scratch folder), and of
   the bundle installed now.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(ROOT / "tests"))
from _common import (  # noqa: E402
    bench_folder,
    free_port,
    header,
    parse_args,
    print_table,
    report,
    timed,
)

P50_TARGET_S = 0.150
PAINT_TARGET_S = 1.0


def populate(db: Path, models: int, versions: int) -> float:
    """Create the registry straight in the store file (the server is started on it after)."""
    from mlflow.entities.model_registry import RegisteredModelTag
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore

    store = SqlAlchemyStore(f"sqlite:///{db}")
    start = time.perf_counter()
    for i in range(models):
        name = f"model-{i:04d}"
        store.create_registered_model(
            name,
            tags=[
                RegisteredModelTag("mlops.card.owner", f"team-{i % 7}"),
                RegisteredModelTag("mlops.card.risk_tier", ("low", "medium", "high")[i % 3]),
                RegisteredModelTag("mlops.card.stage", "development"),
            ],
            description=f"benchmark model {i}",
        )
        for _ in range(versions):
            store.create_model_version(name, source=f"file:///nowhere/{name}")
    store.engine.dispose()
    return time.perf_counter() - start


def start_mlflow(folder: Path, workers: int | None = 1) -> tuple[subprocess.Popen[bytes], str]:
    """``mlflow server`` on ``folder``; ``workers=None`` keeps MLflow's default (4)."""
    port = free_port()
    env = dict(os.environ, MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
    log = open(folder / "mlflow-server.log", "ab")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            *("--host", "127.0.0.1", "--port", str(port)),
            *(() if workers is None else ("--workers", str(workers))),
            *("--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}"),
            *("--artifacts-destination", str(folder / "artifacts")),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=env,
    )
    uri = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(uri + "/health", timeout=1):
                return proc, uri
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise RuntimeError("mlflow server did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def bare_listing(uri: str) -> int:
    from mlflow import MlflowClient

    client = MlflowClient(uri, registry_uri=uri)
    count, token = 0, None
    while True:
        page = client.search_registered_models(max_results=1000, page_token=token)
        count += len(page)
        token = page.token
        if not token:
            return count


def get_models(lab, params: str = "") -> int:
    request = urllib.request.Request(
        f"{lab.base_url}mlops/models{params}", headers={"Authorization": f"token {lab.token}"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return len(json.loads(response.read())["models"])


def first_paint(lab, repeat: int) -> list[float]:
    from browser_support import launch_chromium
    from playwright.sync_api import sync_playwright
    from test_browser import TAB, TIMING_PROBE

    samples = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for _ in range(repeat):
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(lab.lab_url(), wait_until="domcontentloaded", timeout=120_000)
                page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=120_000)
                page.wait_for_selector(".jp-Launcher", state="visible", timeout=120_000)
                page.evaluate(TIMING_PROBE, TAB)
                page.locator(TAB).click()
                page.wait_for_function(
                    "() => window.__mlopsTiming.paint !== undefined", timeout=60_000
                )
                timing = page.evaluate("() => window.__mlopsTiming")
                samples.append((timing["paint"] - timing["click"]) / 1000)
                # The first page of rows is drawn; "Show more" adds the next page.
                rows = page.locator("#jupyter-mlops-sidebar .jp-mlops-Model")
                more = page.locator("#jupyter-mlops-sidebar .jp-mlops-ShowMore")
                if more.count():
                    first = rows.count()
                    more.click()
                    page.wait_for_function(
                        f"() => document.querySelectorAll("
                        f"'#jupyter-mlops-sidebar .jp-mlops-Model').length > {first}"
                    )
                    print(f"  rows drawn: {first}, after Show more: {rows.count()}")
                page.close()
        finally:
            browser.close()
    return samples


def bundle_sizes(folder: Path) -> dict[str, int]:
    """Bytes (and gzip bytes) of the JavaScript of a production build and of the installed one."""
    src = ROOT / "labextension"
    work = folder / "labextension"
    work.mkdir()
    for item in ("src", "style", "tsconfig.json", ".yarnrc.yml"):
        target = src / item
        (shutil.copytree if target.is_dir() else shutil.copy)(target, work / item)
    package = json.loads((src / "package.json").read_text())
    package["jupyterlab"]["outputDir"] = "../built"  # relative to the package folder
    (work / "package.json").write_text(json.dumps(package, indent=2))
    (work / "node_modules").symlink_to(src / "node_modules", target_is_directory=True)
    env = dict(
        os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    )
    tsc = str(work / "node_modules" / ".bin" / "tsc")
    subprocess.run([tsc], cwd=work, check=True, env=env, capture_output=True)
    subprocess.run(
        ["jupyter-builder", "build", "."], cwd=work, check=True, env=env, capture_output=True
    )

    def measure(static: Path) -> tuple[int, int]:
        files = [p for p in static.glob("*.js")]
        raw = sum(p.stat().st_size for p in files)
        zipped = sum(len(gzip.compress(p.read_bytes())) for p in files)
        return raw, zipped

    prod, prod_gz = measure(folder / "built" / "static")
    installed, installed_gz = measure(ROOT / "jupyter_mlops" / "labextension" / "static")
    return {
        "production_bytes": prod,
        "production_gzip_bytes": prod_gz,
        "installed_bytes": installed,
        "installed_gzip_bytes": installed_gz,
    }


def main() -> None:
    def extra(parser) -> None:
        parser.add_argument("--models", type=int, default=1000)
        parser.add_argument("--versions", type=int, default=3)
        parser.add_argument("--paint", type=int, default=3, help="first-paint repetitions")

    args = parse_args(__doc__.splitlines()[0], default_n=30, extra=extra)
    header(f"sidebar: {args.models} models x {args.versions} versions")
    from browser_support import JupyterLab

    with bench_folder("sidebar", keep=args.keep) as work:
        took = populate(work / "mlflow.db", args.models, args.versions)
        print(f"registry created in {took:.1f} s")
        server, uri = start_mlflow(work)
        lab = JupyterLab(
            work / "lab",
            root_dir=work,
            extra_args=[f"--MlopsApp.tracking_uri={uri}", "--MlopsApp.models_full_refresh_s=3600"],
        )
        try:
            lab.start()
            cold, count = timed(lambda: get_models(lab))
            assert count == args.models, count
            print(f"first GET after start: {cold * 1000:.0f} ms (warm-up ran in the background)")
            ours = [timed(lambda: get_models(lab))[0] for _ in range(args.repeat)]
            full = [timed(lambda: get_models(lab, "?refresh=full"))[0] for _ in range(3)]
            assert bare_listing(uri) == args.models
            base = [timed(lambda: bare_listing(uri))[0] for _ in range(max(3, args.repeat // 5))]
            print_table(
                "GET mlops/models, warm",
                [
                    ("GET mlops/models (cached, incremental)", ours),
                    ("GET mlops/models?refresh=full", full),
                    ("bare MlflowClient searches", base),
                ],
            )
            p50 = statistics.median(ours)
            report(
                "sidebar",
                "models_list_warm",
                ("GET mlops/models", ours),
                ("bare MlflowClient searches", base),
                f"p50 <= {P50_TARGET_S * 1000:.0f} ms",
                p50 <= P50_TARGET_S,
                {"p50_ms": p50 * 1000, "first_get_ms": cold * 1000, "models": args.models},
            )

            paint = first_paint(lab, args.paint)
            print_table(
                "Models tab: click -> first row painted (Chromium)", [("first paint", paint)]
            )
            print(f"  median {statistics.median(paint) * 1000:.0f} ms, target < 1 s")
            report(
                "sidebar",
                "models_tab_first_paint",
                ("first paint", paint),
                ("first paint", paint),
                f"< {PAINT_TARGET_S:.0f} s",
                statistics.median(paint) < PAINT_TARGET_S,
            )
        finally:
            lab.stop()
            stop(server)

        with tempfile.TemporaryDirectory(prefix="jm-bundle-") as tmp:
            sizes = bundle_sizes(Path(tmp))
        print("\nlab extension bundle (JavaScript in static/, maps excluded)")
        for key, value in sizes.items():
            print(f"  {key:24} {value / 1024:8.1f} KiB")
        print("BENCH-RESULT " + json.dumps({"bench": "sidebar", "case": "bundle_size", **sizes}))


if __name__ == "__main__":
    main()
