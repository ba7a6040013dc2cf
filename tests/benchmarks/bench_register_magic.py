"""``%mlops register model --name N`` vs the Python API ``jupyter_mlops.register(model, N)``.

A small scikit-learn LogisticRegression on iris, registered interactively on the embedded
store, in the same IPython shell and process, interleaved. Target: the magic takes at most
1.1x the API call, so parsing and rendering add almost nothing.

    python tests/benchmarks/bench_register_magic.py [-n 7]
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_folder, header, parse_args, print_table, report, timed

TARGET = 1.1


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], default_n=7)
    header(f"bench_register_magic: %mlops register vs register()  (N={args.repeat})")
    with bench_folder("register-magic", args.keep):
        import logging

        from IPython.core.interactiveshell import InteractiveShell
        from sklearn.datasets import load_iris
        from sklearn.linear_model import LogisticRegression

        import jupyter_mlops

        logging.getLogger("mlflow").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        warnings.filterwarnings("ignore")

        X, y = load_iris(return_X_y=True)
        model = LogisticRegression(max_iter=500).fit(X, y)
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "jupyter_mlops")
        shell.user_ns["model"] = model
        counter = iter(range(10_000))

        def magic() -> None:
            with contextlib.redirect_stdout(io.StringIO()):
                shell.run_line_magic("mlops", f"register model --name bench-magic-{next(counter)}")

        def api() -> None:
            jupyter_mlops.register(model, f"bench-api-{next(counter)}")

        magic()  # warm-up: store migrations, imports, first writes
        api()
        ours, base = [], []
        for _ in range(args.repeat):
            ours.append(timed(magic)[0])
            base.append(timed(api)[0])
        print_table(
            "register one small LogisticRegression (iris)",
            [("%mlops register model --name N", ours), ("baseline: jupyter_mlops.register", base)],
        )
        ratio = statistics.median(ours) / statistics.median(base)
        report(
            "bench_register_magic",
            "%mlops register vs register()",
            ("%mlops register", ours),
            ("jupyter_mlops.register", base),
            f"<= {TARGET}x",
            ratio <= TARGET,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
