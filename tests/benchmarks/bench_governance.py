"""Governance with a large registry: the inventory, the HTML report and ``jupyter mlops check``.

    python tests/benchmarks/bench_governance.py [-n N] [--models 1000] [--versions 3]

1. ``jupyter_mlops.inventory()`` over 1,000 registered models x 3 versions, each model with a
   card, a monitoring summary and an evaluation run, on a real ``mlflow server`` with MLflow's
   default 4 workers, against the baseline: the bare ``MlflowClient`` searches it needs, one
   after the other (registered models, all pages; model versions staged production, and
   retired). Target: at most 2x. The search of every version, which the inventory no longer
   needs, is shown for reference.
2. ``build_report()`` for the same registry (inventory, one paged search of the evaluation runs,
   the plotly page). Target: under 3 s.
3. ``jupyter mlops check`` over 100 notebooks, as a user runs it (a new process), against the
   baseline ``jupyter mlops params`` of one notebook (the command line's own start-up).
   Target: under 2 s.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _common import bench_folder, header, parse_args, print_table, report, timed  # noqa: E402
from bench_sidebar import start_mlflow, stop  # noqa: E402

INVENTORY_TARGET = 2.0
REPORT_TARGET_S = 3.0
CHECK_TARGET_S = 2.0


def populate(db: Path, models: int, versions: int) -> float:
    """Models with cards, monitoring tags and one evaluation run each, straight in the store."""
    from mlflow.entities import Metric, RunTag
    from mlflow.entities.model_registry import ModelVersionTag, RegisteredModelTag
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore as Registry
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore as Tracking

    from jupyter_mlops.governance.evaluate import EVAL_EXPERIMENT
    from jupyter_mlops.tags import EVAL_PREFIX

    start = time.perf_counter()
    tracking = Tracking(f"sqlite:///{db}", str(db.parent / "artifacts"))
    registry = Registry(f"sqlite:///{db}")
    experiment = tracking.create_experiment(EVAL_EXPERIMENT)
    now = int(time.time() * 1000)
    for i in range(models):
        name = f"model-{i:04d}"
        card = {
            "mlops.card.owner": f"team-{i % 7}" if i % 50 else "",
            "mlops.card.risk_tier": ("low", "medium", "high")[i % 3],
            "mlops.card.stage": ("development", "staging", "production")[i % 3],
            "mlops.card.validation_status": ("passed", "in_progress")[i % 2],
            "mlops.monitor.last_eval_at": str(now - (i % 60) * 86_400_000),
            "mlops.monitor.drift_status": "drift" if i % 11 == 0 else "ok",
            "mlops.monitor.alert_status": "alert" if i % 13 == 0 else "ok",
            "mlops.monitor.alert_reasons": json.dumps(["accuracy dropped 7.0% vs champion"]),
        }
        registry.create_registered_model(
            name, tags=[RegisteredModelTag(k, v) for k, v in card.items() if v]
        )
        for _ in range(versions):
            registry.create_model_version(
                name,
                source=f"s3://nowhere/{name}",
                tags=[ModelVersionTag("mlops.card.stage", card["mlops.card.stage"])],
            )
        registry.set_registered_model_alias(name, "champion", str(versions))
        run = tracking.create_run(experiment, "bench", now, [], f"evaluate {name}")
        tracking.log_batch(
            run.info.run_id,
            metrics=[Metric("accuracy", 0.9 + (i % 10) / 100, now, 0)],
            params=[],
            tags=[RunTag(EVAL_PREFIX + "model", name), RunTag(EVAL_PREFIX + "version", "3")],
        )
    registry.engine.dispose()
    tracking.engine.dispose()
    return time.perf_counter() - start


def bare_searches(uri: str, every_version: bool = False) -> int:
    """The searches the inventory needs, with nothing done to their results; the number of
    models and versions read. ``every_version``: read all versions instead (the old way)."""
    from mlflow import MlflowClient

    client = MlflowClient(uri, registry_uri=uri)
    stage = "tags.`mlops.card.stage`"
    searches = [(client.search_registered_models, 1000, None)]
    if every_version:
        searches.append((client.search_model_versions, 10000, None))
    else:
        searches += [
            (client.search_model_versions, 10000, f"{stage} = '{value}'")
            for value in ("production", "retired")
        ]
    count = 0
    for search, size, where in searches:
        token = None
        while True:
            page = search(max_results=size, page_token=token, filter_string=where)
            count += len(page)
            token = page.token
            if not token:
                break
    return count


def write_notebooks(folder: Path, count: int) -> None:
    import nbformat

    folder.mkdir()
    for i in range(count):
        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell("C: float = 1.0  # strength\nseed: int = 42")
        cell.metadata["tags"] = ["parameters"]
        nb.cells = [cell, nbformat.v4.new_code_cell("print(C)")]
        card = {"name": f"m{i}", "owner": "ana", "risk_tier": "medium", "use_case": "ads"}
        nb.metadata["jupyter_mlops"] = {"schema_version": 1, "card": card}
        nbformat.write(nb, folder / f"nb{i:03d}.ipynb")


def cli(*args: str) -> float:
    took, proc = timed(
        lambda: subprocess.run(
            [sys.executable, "-m", "jupyter_mlops.cli", *args], capture_output=True, text=True
        )
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return took


def main() -> None:
    def extra(parser) -> None:
        parser.add_argument("--models", type=int, default=1000)
        parser.add_argument("--versions", type=int, default=3)
        parser.add_argument(
            "--workers", type=int, default=None, help="mlflow server workers (default: MLflow's)"
        )

    args = parse_args(__doc__.splitlines()[0], default_n=5, extra=extra)
    workers = args.workers or "4 (MLflow's default)"
    header(f"governance: {args.models} models x {args.versions} versions, {workers} workers")
    with bench_folder("governance", keep=args.keep) as work:
        import jupyter_mlops
        from jupyter_mlops.governance.report import build_report

        print(
            f"registry created in {populate(work / 'mlflow.db', args.models, args.versions):.1f} s"
        )
        server, uri = start_mlflow(work, workers=args.workers)
        try:
            assert len(jupyter_mlops.inventory(uri)) == args.models  # warm both sides
            assert bare_searches(uri, every_version=True) == args.models * (1 + args.versions)
            ours, base, every = [], [], []
            for _ in range(args.repeat):  # interleaved, so load changes hit both alike
                base.append(timed(lambda: bare_searches(uri))[0])
                ours.append(timed(lambda: jupyter_mlops.inventory(uri))[0])
                every.append(timed(lambda: bare_searches(uri, every_version=True))[0])
            print_table(
                "inventory",
                [
                    ("jupyter_mlops.inventory()", ours),
                    ("bare MLflow searches", base),
                    ("  reference: bare searches of every version", every),
                ],
            )
            ratio = statistics.median(ours) / statistics.median(base)
            report(
                "governance",
                "inventory_1000x3",
                ("inventory()", ours),
                ("bare MLflow searches", base),
                f"<= {INVENTORY_TARGET:.0f}x",
                ratio <= INVENTORY_TARGET,
            )
            html = build_report(uri)
            assert html.count("over time") == 1, "one trend chart expected"
            pages = [timed(lambda: build_report(uri))[0] for _ in range(args.repeat)]
            from jupyter_mlops.governance.report import metric_history

            history = [timed(lambda: metric_history(uri))[0] for _ in range(args.repeat)]
            print_table(
                "report",
                [
                    ("build_report()", pages),
                    ("  its part: metric_history() alone", history),
                    ("bare MLflow searches", base),
                ],
            )
            print(f"  page size {len(html) / 1e6:.1f} MB")
            report(
                "governance",
                "report_1000x3",
                ("build_report()", pages),
                ("bare MLflow searches", base),
                f"< {REPORT_TARGET_S:.0f} s",
                statistics.median(pages) < REPORT_TARGET_S,
            )
        finally:
            stop(server)

        folder = work / "notebooks"
        write_notebooks(folder, 100)
        first = str(folder / "nb000.ipynb")
        cli("check", str(folder))
        checks, floor = [], []
        for _ in range(args.repeat):
            floor.append(cli("params", first))
            checks.append(cli("check", str(folder)))
        print_table(
            "jupyter mlops check, 100 notebooks (new process)",
            [("check 100 notebooks", checks), ("params of 1 notebook (CLI start-up)", floor)],
        )
        report(
            "governance",
            "check_100_notebooks",
            ("jupyter mlops check", checks),
            ("jupyter mlops params (1 notebook)", floor),
            f"< {CHECK_TARGET_S:.0f} s",
            statistics.median(checks) < CHECK_TARGET_S,
        )


if __name__ == "__main__":
    main()
