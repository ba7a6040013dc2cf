"""``jupyter_mlops.register(model, name)`` vs MLflow's own ``log_model`` + registration.

A small scikit-learn LogisticRegression on iris, registered interactively on the embedded store.
Baseline: ``mlflow.sklearn.log_model(model, name="model", registered_model_name=...)`` inside
``mlflow.start_run()`` with MLflow's default requirement inference, same store, same process.
Target: ours at most 0.1x the baseline. Also checks that the registered version's
requirements.txt pins scikit-learn at the installed version.

    python tests/benchmarks/bench_register.py [-n 5]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_folder, header, parse_args, print_table, report, timed

TARGET = 0.1


def requirements_of(model_uri: str) -> list[str]:
    import mlflow.artifacts

    with tempfile.TemporaryDirectory() as tmp:
        local = mlflow.artifacts.download_artifacts(artifact_uri=model_uri, dst_path=tmp)
        return Path(local, "requirements.txt").read_text().split()


def main() -> int:
    args = parse_args(__doc__.splitlines()[0])
    header(f"bench_register: jupyter_mlops.register vs mlflow.sklearn.log_model  (N={args.repeat})")
    with bench_folder("register", args.keep) as work:
        import logging
        from importlib.metadata import version

        import mlflow
        import mlflow.sklearn
        from sklearn.datasets import load_iris
        from sklearn.linear_model import LogisticRegression

        import jupyter_mlops
        from jupyter_mlops.config import get_settings

        logging.getLogger("mlflow").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        warnings.filterwarnings("ignore")

        X, y = load_iris(return_X_y=True)
        model = LogisticRegression(max_iter=500).fit(X, y)
        settings = get_settings()
        mlflow.set_tracking_uri(settings.tracking_uri)
        mlflow.set_registry_uri(settings.tracking_uri)
        mlflow.set_experiment("bench-baseline")
        print(f"store: {settings.tracking_uri}  (work folder {work})")

        counter = iter(range(10_000))

        def ours():
            return jupyter_mlops.register(model, f"bench-ours-{next(counter)}")

        def baseline():
            with mlflow.start_run():
                return mlflow.sklearn.log_model(
                    model, name="model", registered_model_name=f"bench-base-{next(counter)}"
                )

        ours()  # warm-up: store migrations, imports, first writes
        baseline()
        our_times, base_times = [], []
        registration = None
        base_info = None
        for _ in range(args.repeat):  # interleaved against drift
            elapsed, registration = timed(ours)
            our_times.append(elapsed)
            elapsed, base_info = timed(baseline)
            base_times.append(elapsed)
        print_table(
            "register one small LogisticRegression (iris)",
            [
                ("jupyter_mlops.register(model, name)", our_times),
                ("baseline: mlflow.sklearn.log_model(+register)", base_times),
            ],
        )
        reqs = requirements_of(registration.model_uri)
        installed = version("scikit-learn")
        pinned = f"scikit-learn=={installed}" in reqs
        print(f"\n  our version: {registration.model_uri} (run {registration.run_id})")
        print(f"  our requirements.txt: {' '.join(reqs)}")
        print(f"  pins scikit-learn=={installed} (installed): {pinned}")
        base_reqs = requirements_of(base_info.model_uri)
        print(f"  baseline requirements.txt (inferred): {' '.join(base_reqs)}")
        ratio_ok = statistics.median(our_times) / statistics.median(base_times) <= TARGET
        report(
            "bench_register",
            "register vs log_model+register",
            ("jupyter_mlops.register", our_times),
            ("mlflow.sklearn.log_model", base_times),
            f"<= {TARGET}x",
            ratio_ok,
            extra={"requirements": reqs, "sklearn_pinned": pinned},
        )
        if not pinned:
            print("  WARNING: requirements.txt does not pin the installed scikit-learn")
    return 0


if __name__ == "__main__":
    sys.exit(main())
