"""Hand a card to the JupyterLab front end that has this kernel's notebook open.

The labextension registers the comm target :data:`COMM_TARGET` on the kernel of every open
notebook. Opening a comm to it with the card makes the front end set the notebook model's
metadata, as any JupyterLab edit does (dirty, then saved with the notebook), and answer
``{"ok": true}``. A front end without the extension closes the comm at once; one that never
answers (papermill, a console-only client) is given :data:`REPLY_TIMEOUT_S`. Either way the
caller is told, so it can write the file instead.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

COMM_TARGET = "jupyter_mlops.card"
REPLY_TIMEOUT_S = 5.0

OnReply = Callable[[bool, str], None]


def open_in_frontend(notebook: str | os.PathLike[str]) -> bool:
    """Whether ``notebook`` is the one a Jupyter front end has open on this very kernel.

    Only then can the front end take the card: jupyter_server names the notebook of a
    kernel's session in ``JPY_SESSION_NAME``. A job's kernel (which may inherit that name
    from the notebook that launched it) never qualifies.
    """
    from ..notebook_path import _existing

    if os.environ.get("JUPYTER_MLOPS_RUN_ID"):
        return False
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - ipywidgets needs IPython
        return False
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return False
    session = _existing(os.environ.get("JPY_SESSION_NAME"))
    return session is not None and session == Path(notebook).resolve()


def send_card(
    notebook: str | os.PathLike[str],
    block: dict[str, Any],
    on_reply: OnReply,
    *,
    timeout: float = REPLY_TIMEOUT_S,
    create_comm: Callable[..., Any] | None = None,
) -> None:
    """Ask the front end to store ``block`` under the notebook's ``jupyter_mlops`` metadata.

    ``on_reply(taken, detail)`` is called exactly once: ``taken`` is True when the front end
    set the metadata; otherwise ``detail`` says why not (no extension, no answer, refused).
    The answer arrives after the calling cell or widget callback returns, so this never blocks.
    """
    if create_comm is None:
        import comm as comm_package

        create_comm = comm_package.create_comm
    answered = threading.Lock()
    timer = threading.Timer(timeout, lambda: reply(False, f"no answer within {timeout:g} s"))
    timer.daemon = True

    def reply(taken: bool, detail: str) -> None:
        if not answered.acquire(blocking=False):
            return  # already answered: a late reply or a close after the answer
        timer.cancel()
        on_reply(taken, detail)

    def on_msg(msg: dict[str, Any]) -> None:
        data = msg.get("content", {}).get("data") or {}
        reply(bool(data.get("ok")), str(data.get("error") or ""))

    def on_close(_msg: dict[str, Any]) -> None:
        reply(False, "the front end has no jupyter-mlops extension for this notebook")

    channel = create_comm(
        target_name=COMM_TARGET,
        data={"path": str(Path(notebook).resolve()), "metadata": block},
    )
    channel.on_msg(on_msg)
    channel.on_close(on_close)
    timer.start()
