"""Plain-text views of jobs, cards, parameters, models and receipts.

The ``jupyter mlops`` CLI and the ``%mlops`` magics show the same objects the same way: both
render through these functions, and neither formats a table of its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

JOB_HEADER = ["RUN", "STATUS", "KIND", "CELLS", "TIME", "REASON", "NOTEBOOK"]


def table(rows: list[list[Any]], header: list[str]) -> str:
    """Columns padded to their widest cell; ``None`` shows as empty."""
    cells = [header] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells
    )


def job_row(job: Any) -> list[Any]:
    progress = f"{job.cells_done}/{job.cells_total}" if job.cells_total else ""
    duration = f"{job.duration_s:.1f}s" if job.duration_s is not None else ""
    kind = "sweep" if job.is_sweep else ("child" if job.parent_run_id else "run")
    return [
        job.run_id,
        job.status,
        kind,
        progress,
        duration,
        job.failure_reason or "",
        Path(job.notebook).name,
    ]


def jobs_text(jobs: list[Any]) -> str:
    """The jobs table, or ``no jobs``."""
    return table([job_row(j) for j in jobs], JOB_HEADER) if jobs else "no jobs"


def finished_text(jobs: list[Any]) -> str:
    """The jobs a wait ended with, then what failed in each job that did not finish."""
    from .jobs.query import failure_message

    lines = [jobs_text(jobs)]
    lines += [failure_message(j) for j in jobs if j.status != "FINISHED"]
    return "\n".join(lines)


def submitted_text(submission: Any, notebook: str | Path) -> str:
    """What was submitted, by its run ids."""
    name = Path(notebook).name
    if getattr(submission, "study", False):
        return (
            f"Submitted study {submission.run_id} of the saved {name}; its driver submits each "
            "trial Optuna asks for (`jupyter mlops jobs` lists them)."
        )
    if submission.is_sweep:
        runs = len(submission.runs)
        return f"Submitted sweep {submission.run_id} with {runs} runs of the saved {name}."
    return f"Submitted job {submission.run_id} of the saved {name}."


def card_text(card: Any) -> str:
    """A card's fields, one a line."""
    data = card.model_dump(mode="json")
    return "\n".join(
        f"{k:22} {json.dumps(v) if isinstance(v, list | dict) else v}" for k, v in data.items()
    )


def params_text(contract: Any, notebook: str | Path) -> str:
    """A notebook's typed parameters contract; ``notebook`` names it as the reader gave it."""
    if not contract.has_cell:
        return f"{notebook} has no cell tagged 'parameters': it runs with no parameters."
    rows = [
        [
            p.name,
            p.type,
            f"= {p.expression} (computed)" if p.expression else repr(p.default),
            p.help,
        ]
        for p in contract.parameters
    ]
    return table(rows, ["NAME", "TYPE", "DEFAULT", "HELP"])


def models_text(models: list[dict[str, Any]]) -> str:
    """The registered-models table."""
    rows = [
        [
            m["name"],
            m["latest_version"],
            ",".join(f"{a}=v{v}" for a, v in m["aliases"].items()),
            m["owner"],
            m["risk_tier"],
            m["stage"],
        ]
        for m in models
    ]
    header = ["NAME", "LATEST", "ALIASES", "OWNER", "RISK", "STAGE"]
    return table(rows, header) if models else "no registered models"


def inventory_text(rows: list[dict[str, Any]]) -> str:
    """The inventory, with each model's RAG status and its reasons."""
    if not rows:
        return "no registered models"
    header = ["NAME", "OWNER", "RISK", "STAGE", "CHAMPION", "LATEST", "LAST EVAL", "DRIFT"]
    header += ["ALERT", "RAG", "REASONS"]
    lines = [
        [
            r["name"],
            r["owner"],
            r["risk_tier"],
            r["stage"],
            r["champion"],
            r["latest_version"],
            (r["last_evaluation"] or "")[:10],
            r["drift_status"],
            r["alert_status"],
            r["rag"].upper(),
            "; ".join(r["rag_reasons"]),
        ]
        for r in rows
    ]
    return table(lines, header)


def receipt_text(receipt: dict[str, Any], more: str = "") -> str:
    """A provenance receipt with long lists summarised; ``more`` says where the rest is."""
    from .provenance import receipt_summary

    return json.dumps(receipt_summary(receipt, more), indent=2, default=str)


def host_text(status: dict[str, Any] | None, action: str = "status") -> str:
    """A job host's pid, slots and queue, as ``jupyter mlops host status`` shows them."""
    if status is None:
        return "no job host is running for this store"
    if action == "stop":
        return "the job host exits once its jobs are done"
    state = "stopping" if status.get("stopping") else f"idle {status.get('idle_s', 0)} s"
    lines = [
        f"job host {status['pid']} for {status['tracking_uri']} ({state}; exits after "
        f"{status['idle_exit_s']:g} s idle)",
        f"log: {status['log']}",
    ]
    kernels = ", ".join(f"{n} {c}" for n, c in status.get("ready_kernels", {}).items())
    lines.append(f"kernels ready: {kernels or 'none'}")
    rows = [[s["index"], s["run_id"] or "(free)"] for s in status["slots"]]
    lines.append(table(rows, ["SLOT", "RUN"]))
    queue = status["queue"]
    shown = ", ".join(queue[:10]) + (", ..." if len(queue) > 10 else "")
    lines.append(f"queued: {len(queue)}" + (f" ({shown})" if queue else ""))
    return "\n".join(lines)


def schedules_text(schedules: list[dict[str, Any]]) -> str:
    """``jupyter mlops schedule list``: each schedule's cron, next slot and last run."""
    if not schedules:
        return "No schedules. Create one: jupyter mlops schedule create NOTEBOOK --cron '0 6 * * *'"
    rows = [
        [
            s["name"],
            f"on {s['trigger']}" if s.get("trigger") else f"{s['cron']} ({s['timezone']})",
            "paused" if s["paused"] else (s["next"][0] if s.get("next") else "-"),
            s.get("last_slot") or "-",
            f"{s['last_run']} {s.get('last_status', '')}".strip() if s.get("last_run") else "-",
        ]
        for s in schedules
    ]
    return table(rows, ["NAME", "WHEN", "NEXT", "LAST SLOT", "LAST RUN"])


def schedule_text(schedule: dict[str, Any], runs: list[Any]) -> str:
    """``jupyter mlops schedule show``: the schedule, its next slots and the runs it fired."""
    paused = ", paused" if schedule["paused"] else ""
    timing = (
        f"  on        {schedule['trigger']}{paused}"
        if schedule.get("trigger")
        else f"  cron      {schedule['cron']} in {schedule['timezone']}, catch-up "
        f"{schedule['catch_up']}{paused}"
    )
    lines = [
        f"schedule {schedule['name']} ({schedule['id']}), revision {schedule['revision']}",
        timing,
        f"  when      {schedule['description']}",
        f"  notebook  {schedule['notebook']}",
    ]
    if schedule.get("last_error"):
        lines.append(f"  last error {schedule['last_error']}")
    lines += [f"  next      {t}" for t in schedule.get("next", [])]
    lines.append(jobs_text(runs) if runs else "  no runs fired yet")
    return "\n".join(lines)
