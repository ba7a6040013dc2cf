"""What every jupyter-mlops widget shares: theme-aware styles and a message line for errors.

Colours come only from JupyterLab's theme CSS variables, so light and dark themes both work.
User mistakes (any :class:`MlopsError`) become a message in the widget, never a traceback.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as W
from traitlets import Unicode

from ..errors import MlopsError

log = logging.getLogger("jupyter_mlops.widgets")

STYLE = """
<style>
.jp-mlops-w { color: var(--jp-ui-font-color1); font-family: var(--jp-ui-font-family);
  font-size: var(--jp-ui-font-size1); background: var(--jp-layout-color1);
  border: var(--jp-border-width) solid var(--jp-border-color2); border-radius: 4px;
  padding: 8px; }
.jp-mlops-w-title { font-weight: 600; font-size: var(--jp-ui-font-size2);
  color: var(--jp-ui-font-color0); }
.jp-mlops-w-help { color: var(--jp-ui-font-color2); font-size: var(--jp-ui-font-size0); }
.jp-mlops-w-msg-error { color: var(--jp-error-color1); }
.jp-mlops-w-msg-ok { color: var(--jp-success-color1); }
.jp-mlops-w-msg-info { color: var(--jp-ui-font-color2); }
.jp-mlops-w-table { border-collapse: collapse; width: 100%; }
.jp-mlops-w-table th { text-align: left; color: var(--jp-ui-font-color2);
  border-bottom: var(--jp-border-width) solid var(--jp-border-color1); padding: 2px 8px; }
.jp-mlops-w-table td { border-bottom: var(--jp-border-width) solid var(--jp-border-color3);
  padding: 2px 8px; color: var(--jp-ui-font-color1); }
.jp-mlops-w .widget-label { color: var(--jp-ui-font-color1); }
</style>
"""

T = TypeVar("T")


def style() -> W.HTML:
    return W.HTML(STYLE, layout=W.Layout(display="none"))


def title(text: str) -> W.HTML:
    return W.HTML(f'<div class="jp-mlops-w-title">{html.escape(text)}</div>')


class MlopsWidget(W.VBox):
    """A themed box with a message line; subclasses put their form in ``body``."""

    message = Unicode("", help="The last message shown to the user (error, success or info).")
    message_kind = Unicode("", help="'error', 'ok' or 'info': how ``message`` is shown.")

    def __init__(self, heading: str, **kwargs: Any) -> None:
        self._message_view = W.HTML()
        self.body = W.VBox()
        super().__init__([style(), title(heading), self.body, self._message_view], **kwargs)
        self.add_class("jp-mlops-w")
        self._callbacks: dict[str, list[Callable[..., Any]]] = {}

    def show(self, text: str, kind: str = "info") -> None:
        self.message, self.message_kind = text, kind
        self._message_view.value = (
            f'<div class="jp-mlops-w-msg-{kind}">{html.escape(text)}</div>' if text else ""
        )

    def guarded(self, action: Callable[[], T]) -> T | None:
        """Run ``action``; show an :class:`MlopsError` (a user mistake) as the message."""
        try:
            return action()
        except MlopsError as exc:
            self.show(exc.message, "error")
        except Exception as exc:
            log.exception("jupyter-mlops widget action failed")
            self.show(f"Unexpected error: {type(exc).__name__}: {exc}", "error")
        return None

    # -- callbacks ------------------------------------------------------------------------
    def _on(self, event: str, callback: Callable[..., Any], remove: bool) -> None:
        handlers = self._callbacks.setdefault(event, [])
        if remove:
            handlers.remove(callback)
        else:
            handlers.append(callback)

    def _fire(self, event: str, *args: Any) -> None:
        for callback in list(self._callbacks.get(event, [])):
            callback(*args)


def html_table(rows: list[list[Any]], header: list[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape('' if c is None else str(c))}</td>" for c in r)
        + "</tr>"
        for r in rows
    )
    return f'<table class="jp-mlops-w-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
