"""``jupyter_mlops.register(model, name)`` vs MLflow's own ``log_model`` + registration, per flavour.

One small model of each flavour (scikit-learn forest, xgboost, lightgbm, catboost, statsmodels),
trained on iris and registered interactively on the embedded store. Baseline, per flavour:
``mlflow.<flavor>.log_model(model, name="model", registered_model_name=...)`` inside
``mlflow.start_run()`` with MLflow's default requirement inference, same store, same process.
Target: ours at most 0.1x the baseline for each flavour. Also checks that each registered
version's requirements.txt pins the model's library at the installed version.

    python tests/benchmarks/bench_register.py [-n 5]
"""

from __future__ import annotations

import importlib
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


def zoo():
    """(flavour, library distribution, fitted model) for each flavour benchmarked."""
    import catboost
    import lightgbm
    import statsmodels.api as sm
    import xgboost
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    X, y = load_iris(return_X_y=True, as_frame=True)
    # Naive log_model refuses a forest until told to trust its trees, as its error says.
    return [
        ("sklearn", "scikit-learn", RandomForestClassifier(n_estimators=10).fit(X, y)),
        ("xgboost", "xgboost", xgboost.XGBClassifier(n_estimators=10).fit(X, y)),
        ("lightgbm", "lightgbm", lightgbm.LGBMClassifier(n_estimators=10, verbose=-1).fit(X, y)),
        (
            "catboost",
            "catboost",
            catboost.CatBoostClassifier(iterations=10, verbose=0, allow_writing_files=False).fit(
                X, y
            ),
        ),
        ("statsmodels", "statsmodels", sm.OLS(y.astype(float), sm.add_constant(X)).fit()),
    ]


def main() -> int:
    args = parse_args(__doc__.splitlines()[0])
    header(
        f"bench_register: jupyter_mlops.register vs mlflow.<flavor>.log_model  (N={args.repeat})"
    )
    with bench_folder("register", args.keep) as work:
        import logging
        from importlib.metadata import version

        import mlflow

        import jupyter_mlops
        from jupyter_mlops.config import get_settings

        logging.getLogger("mlflow").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        warnings.filterwarnings("ignore")

        settings = get_settings()
        mlflow.set_tracking_uri(settings.tracking_uri)
        mlflow.set_registry_uri(settings.tracking_uri)
        mlflow.set_experiment("bench-baseline")
        print(f"store: {settings.tracking_uri}  (work folder {work})")
        counter = iter(range(100_000))
        all_ok = True
        for flavor, library, model in zoo():
            module = importlib.import_module(f"mlflow.{flavor}")

            def ours(model=model, flavor=flavor):
                return jupyter_mlops.register(model, f"bench-ours-{flavor}-{next(counter)}")

            trust = (
                {"skops_trusted_types": ["sklearn.tree._tree.Tree"]} if flavor == "sklearn" else {}
            )

            def baseline(model=model, module=module, trust=trust):
                with mlflow.start_run():
                    return module.log_model(
                        model,
                        name="model",
                        registered_model_name=f"bench-base-{next(counter)}",
                        **trust,
                    )

            ours()  # warm-up: store migrations, imports, first writes
            baseline()
            our_times, base_times = [], []
            registration = None
            for _ in range(args.repeat):  # interleaved against drift
                elapsed, registration = timed(ours)
                our_times.append(elapsed)
                elapsed, _info = timed(baseline)
                base_times.append(elapsed)
            print_table(
                f"register one small {type(model).__name__} ({flavor} flavour, iris)",
                [
                    ("jupyter_mlops.register(model, name)", our_times),
                    (f"baseline: mlflow.{flavor}.log_model(+register)", base_times),
                ],
            )
            assert registration is not None and registration.flavor == flavor, registration
            reqs = requirements_of(registration.model_uri)
            pin = f"{library}=={version(library)}"
            pinned = pin in reqs
            print(f"  our requirements.txt: {' '.join(reqs)}  (pins {pin}: {pinned})")
            ratio_ok = statistics.median(our_times) / statistics.median(base_times) <= TARGET
            all_ok = all_ok and ratio_ok and pinned
            report(
                "bench_register",
                f"register vs log_model+register ({flavor})",
                ("jupyter_mlops.register", our_times),
                (f"mlflow.{flavor}.log_model", base_times),
                f"<= {TARGET}x",
                ratio_ok,
                extra={"requirements": reqs, "pinned": pinned},
            )
            if not pinned:
                print(f"  WARNING: requirements.txt does not pin the installed {library}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
