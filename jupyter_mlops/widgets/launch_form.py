"""``launcher()``: a form generated from the parameters contract, a sweep builder, an executor
choice, a Launch button and one live progress bar per job."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as W
from traitlets import Bool, Float, List, Unicode

from ..errors import InvalidParameterError
from ..jobs.executors import available
from ..jobs.study.space import PRUNERS, SAMPLERS
from ..params import Parameter, parse_sweep, read_parameters
from ..tracking import RUN_TERMINAL
from .base import MlopsWidget

if TYPE_CHECKING:
    from ..jobs.request import JobRequest

BAR_STYLE = {"FINISHED": "success", "FAILED": "danger", "KILLED": "warning"}


def _value_widget(param: Parameter) -> W.ValueWidget:
    kind, default = param.type, param.default
    if param.expression is not None:  # the notebook computes it unless a value is typed
        return W.Text(value="", placeholder=f"= {param.expression} (computed)")
    if kind == "bool":
        return W.Checkbox(value=bool(default), indent=False)
    if kind == "int" and isinstance(default, int):
        return W.IntText(value=default)
    if kind == "float" and isinstance(default, int | float):
        return W.FloatText(value=float(default))
    if kind == "str" and isinstance(default, str):
        return W.Text(value=default)
    return W.Text(value=json.dumps(default), placeholder="JSON")


class JobProgress(W.HBox):
    """One job's bar and status line."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.bar = W.IntProgress(value=0, min=0, max=1, bar_style="info")
        self.label = W.HTML(f"<code>{run_id[:8]}</code> SCHEDULED")
        super().__init__([self.bar, self.label])
        self.add_class("jp-mlops-w-progress")

    def update(self, job: Any) -> None:
        self.bar.max = max(job.cells_total, 1)
        self.bar.value = (
            self.bar.max if job.status == "FINISHED" else min(job.cells_done, self.bar.max)
        )
        self.bar.bar_style = BAR_STYLE.get(job.status, "info")
        why = f" ({job.failure_reason})" if job.failure_reason else ""
        self.label.value = (
            f"<code>{job.run_id[:8]}</code> {job.status}{why} "
            f"{job.cells_done}/{job.cells_total or '?'} cells"
        )


class Launcher(MlopsWidget):
    """Launch the notebook with the parameters in the form; follow each job's progress."""

    notebook = Unicode(help="Path of the (saved) notebook that is launched.")
    executor = Unicode("local", help="Executor the jobs run on: a name or dask://HOST:PORT.")
    run_ids = List(Unicode(), help="Job run ids of the last launch (children for a sweep).")
    parent_run_id = Unicode("", help="Parent run id when the last launch was a sweep.")
    statuses = List(Unicode(), help="Status of each job in run_ids, as last polled.")
    done = Bool(False, help="True once every job of the last launch has ended.")
    poll_interval = Float(1.0, help="Seconds between progress polls.")

    def __init__(self, notebook: str | os.PathLike[str], executor: str | None = None) -> None:
        super().__init__("Launch")
        self.notebook = str(notebook)
        self.contract = read_parameters(self.notebook)
        self.values: dict[str, W.ValueWidget] = {}
        self.sweeps: dict[str, W.Text] = {}
        rows: list[W.Widget] = []
        for param in self.contract.parameters:
            value = _value_widget(param)
            sweep = W.Text(placeholder="sweep: v1, v2, ...", layout=W.Layout(width="200px"))
            sweep.observe(self._count_runs, names="value")
            label = W.HTML(
                f"<b>{param.name}</b> <span class='jp-mlops-w-help'>{param.type}"
                f"{' - ' + param.help if param.help else ''}</span>",
                layout=W.Layout(width="260px"),
            )
            self.values[param.name], self.sweeps[param.name] = value, sweep
            rows.append(W.HBox([label, value, sweep]))
        if not self.contract.has_cell:
            rows.append(
                W.HTML(
                    "<span class='jp-mlops-w-help'>No cell tagged 'parameters': "
                    "the notebook runs as it is.</span>"
                )
            )
        names = sorted(available())
        self.executor_choice = W.Combobox(
            value=executor or os.environ.get("JUPYTER_MLOPS_EXECUTOR") or "local",
            options=names,
            description="executor",
            ensure_option=False,
        )
        self.optimize = W.Text(
            placeholder="max(METRIC): an Optuna study of the sweep",
            description="optimize",
            layout=W.Layout(width="340px"),
        )
        self.trials = W.BoundedIntText(value=20, min=1, max=10_000, description="trials")
        self.sampler = W.Dropdown(options=SAMPLERS, value="tpe", description="sampler")
        self.pruner = W.Dropdown(options=PRUNERS, value="median", description="pruner")
        for field in (self.optimize, self.trials):
            field.observe(self._count_runs, names="value")
        study_row = W.HBox([self.optimize, self.trials, self.sampler, self.pruner])
        self.launch_button = W.Button(description="Launch", button_style="primary", icon="play")
        self.launch_button.on_click(lambda _: self.submit())
        self.runs_label = W.HTML()
        self.progress = W.VBox()
        self.body.children = [
            *rows,
            study_row,
            W.HBox([self.executor_choice, self.launch_button, self.runs_label]),
            self.progress,
        ]
        self._poller: threading.Thread | None = None
        self._stop = threading.Event()
        self._count_runs()

    # -- form -------------------------------------------------------------------------------
    def set(self, **values: Any) -> None:
        """Fill parameter fields programmatically, as a user would."""
        for name, value in values.items():
            if name not in self.values:
                self.show(f"Unknown parameter {name!r}.", "error")
                return
            self.values[name].value = value

    def sweep(self, **values: str) -> None:
        """Fill the sweep builder: ``sweep(C="0.1, 1, 10")``."""
        for name, text in values.items():
            if name not in self.sweeps:
                self.show(f"Unknown parameter {name!r}.", "error")
                return
            self.sweeps[name].value = text

    def parameters(self) -> dict[str, Any]:
        """The fixed values that differ from the notebook's defaults."""
        out: dict[str, Any] = {}
        for param in self.contract.parameters:
            widget = self.values[param.name]
            if self.sweeps[param.name].value.strip():
                continue
            value = widget.value
            if param.expression is not None and value == "":
                continue
            if isinstance(widget, W.Text) and not isinstance(param.default, str):
                if value == json.dumps(param.default):
                    continue
            elif value == param.default:
                continue
            out[param.name] = value
        return out

    def sweep_values(self) -> dict[str, list[str]]:
        items = [f"{n}={w.value}" for n, w in self.sweeps.items() if w.value.strip()]
        return parse_sweep(items)

    def _count_runs(self, _change: Any = None) -> None:
        try:
            sizes = [len(v) for v in self.sweep_values().values()]
        except InvalidParameterError as exc:
            self.runs_label.value = ""
            self.show(exc.message, "error")
            return
        total = 1
        for size in sizes:
            total *= size
        self.runs_label.value = f"{total} run{'s' if total != 1 else ''}"
        if self.optimize.value.strip():
            self.runs_label.value = f"a study of up to {self.trials.value} trials"
        if self.message_kind == "error":
            self.show("")

    # -- actions ----------------------------------------------------------------------------
    def submit(self) -> list[str]:
        """Launch what the form holds; returns the job run ids (empty when refused)."""
        return self.guarded(self._submit) or []

    def request(self) -> JobRequest:
        """The request the form holds, as ``submit()`` would launch it."""
        from ..jobs.request import JobRequest

        executor = self.executor_choice.value.strip() or "local"
        study: dict[str, Any] = {}
        if self.optimize.value.strip():
            study = {
                "optimize": self.optimize.value.strip(),
                "trials": self.trials.value,
                "sampler": self.sampler.value,
                "pruner": self.pruner.value,
            }
        return JobRequest(
            notebook=Path(self.notebook),
            parameters=self.parameters(),
            sweep=self.sweep_values(),
            from_text=True,
            executor=executor,
            **study,
        )

    def _submit(self) -> list[str]:
        from ..jobs.submit import submit

        self.stop()
        request = self.request()
        self.executor = request.executor or "local"
        submission = submit(request).detach()
        parent = submission.run_id if submission.is_sweep else ""
        run_ids = submission.runs
        self.parent_run_id, self.run_ids, self.done = parent, run_ids, False
        self.statuses = ["SCHEDULED"] * len(run_ids)
        self._bars = {r: JobProgress(r) for r in run_ids}
        self.progress.children = list(self._bars.values())
        what = f"sweep {parent} ({len(run_ids)} runs)" if parent else f"job {run_ids[0]}"
        if submission.study:
            what = f"study {parent} (up to {request.trials} trials)"
        self.show(f"Launched {what} on {self.executor}.", "info")
        self._fire("launch", list(run_ids))
        self._stop.clear()
        self._poller = threading.Thread(target=self._poll_loop, daemon=True, name="mlops-launcher")
        self._poller.start()
        return run_ids

    def refresh(self) -> list[Any]:
        """Poll every job once and update the bars; returns the jobs."""
        from ..jobs.query import describe_job

        jobs = [describe_job(r) for r in self.run_ids]
        for job in jobs:
            self._bars[job.run_id].update(job)
        self.statuses = [j.status for j in jobs]
        if jobs and all(j.status in RUN_TERMINAL for j in jobs) and not self.done:
            self.done = True
            ok = sum(j.status == "FINISHED" for j in jobs)
            self.show(f"Done: {ok}/{len(jobs)} finished.", "ok" if ok == len(jobs) else "error")
            self._fire("done", jobs)
        return jobs

    def _poll_loop(self) -> None:
        while not self._stop.is_set() and not self.done:
            self.guarded(self.refresh)
            if self.message_kind == "error" and not self.done:
                return
            self._stop.wait(self.poll_interval)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the last launch is done (or ``timeout``); returns ``done``."""
        if self._poller is not None:
            self._poller.join(timeout)
        return bool(self.done)

    def stop(self) -> None:
        """Stop following progress (the jobs keep running)."""
        self._stop.set()
        if self._poller is not None and self._poller is not threading.current_thread():
            self._poller.join(5)

    def close(self) -> None:
        self.stop()
        super().close()

    def on_launch(self, callback: Callable[[list[str]], Any], remove: bool = False) -> None:
        """Call ``callback(run_ids)`` after each launch."""
        self._on("launch", callback, remove)

    def on_done(self, callback: Callable[[list[Any]], Any], remove: bool = False) -> None:
        """Call ``callback(jobs)`` once every job of a launch has ended."""
        self._on("done", callback, remove)
