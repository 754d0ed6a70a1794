"""The browser player's Streamlit element: a Streamlit Components v2 element that plays recorded steps with Plotly.js.

``mount(key, data, on_request)`` draws it; its JavaScript (``player.js``) and CSS sit beside this
file and are inlined (a few kB). Plotly.js itself is the installed ``plotly`` package's
``package_data/plotly.min.js``, served by Streamlit's static file serving
(``server.enableStaticServing``) from ``static/`` beside ``app.py``: :func:`ensure_static_plotly`
copies it there when the app starts (Streamlit refuses a symlinked static file), so plain
``streamlit run app.py`` works without a build step and the browser caches the 4.8 MB file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import streamlit as st

_HERE = Path(__file__).parent
STATIC_DIR = _HERE.parent.parent / "static"
PLOTLY_FILE = "plotly.min.js"


def plotly_source() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / PLOTLY_FILE


def ensure_static_plotly(static_dir: Path = STATIC_DIR) -> Path:
    """Copy the installed plotly.min.js into ``static_dir`` unless a copy of the same size is there
    (two stat calls: app.py runs this on every rerun)."""
    src = plotly_source()
    dst = static_dir / PLOTLY_FILE
    if not dst.is_file() or dst.stat().st_size != src.stat().st_size:
        static_dir.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_suffix(".tmp")
        shutil.copyfile(src, tmp)
        tmp.replace(dst)
    return dst


def plotly_url() -> str:
    """Where the browser loads Plotly.js from (under the server's base URL path)."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return ("/" + base if base else "") + "/app/static/" + PLOTLY_FILE


def _js(name: str) -> str:
    """An element's JavaScript: the shared Plotly loader and theming (plotly_common.js), then ``name``."""
    return (_HERE / "plotly_common.js").read_text(encoding="utf-8") + "\n" + (_HERE / name).read_text(encoding="utf-8")


_COMPONENT = st.components.v2.component(
    "nnviz.player",
    html='<div class="nnviz-root"></div>',
    css=(_HERE / "player.css").read_text(encoding="utf-8"),
    js=_js("player.js"),
    isolate_styles=False,
)

_FIGURE = st.components.v2.component(
    "nnviz.figure",
    html=(
        '<div class="nnviz-figure-head" hidden></div><div class="nnviz-figure" hidden></div>'
        '<div class="nnviz-figure-note" hidden></div>'
    ),
    css=(_HERE / "figures.css").read_text(encoding="utf-8"),
    js=_js("figures.js"),
    isolate_styles=False,
)


def figure_spec(fig) -> dict:
    """A Plotly figure (``go.Figure`` or dict) as the plain spec Plotly.js draws: plotly.py's default
    template left out (~10 kB; the player's figures use Plotly.js's own defaults too)."""
    d = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else dict(fig)
    layout = {k: v for k, v in (d.get("layout") or {}).items() if k != "template"}
    return {"data": list(d.get("data") or []), "layout": layout}


def view(fig=None, head: str | None = None, note: str | None = None, head_is_caption: bool = False) -> dict:
    """What a figure element shows: a figure (or none), a line above it and a caption below it."""
    return {
        "fig": None if fig is None else figure_spec(fig),
        "head": head,
        "head_kind": "caption" if head_is_caption else None,
        "note": note,
    }


def figure(
    key: str,
    fig=None,
    *,
    head: str | None = None,
    note: str | None = None,
    head_is_caption: bool = False,
    ahead: dict | None = None,
    ahead_on: str | None = None,
    ahead_guard: list[tuple[str, str]] | None = None,
) -> None:
    """Draw ``fig`` where st.plotly_chart would, updated in place (Plotly.react) when a rerun changes it.

    ``head`` is a line of text above the figure (a caption with ``head_is_caption``), ``note`` a caption
    below it. ``ahead`` (a :func:`view`) is what the element shows at once when the button matching the
    CSS selector ``ahead_on`` is clicked, before the server answers: the view the click's callback will
    produce, computed ahead by the same code. It is not shown while a script run is in progress or
    when an input of ``ahead_guard`` ([CSS selector, value] pairs) no longer holds the value it was
    computed with; the server's answer always replaces it if it differs (figures.js).
    """
    show_view(key, view(fig, head, note, head_is_caption), ahead=ahead, ahead_on=ahead_on, ahead_guard=ahead_guard)


def show_view(
    key: str,
    shown: dict,
    *,
    ahead: dict | None = None,
    ahead_on: str | None = None,
    ahead_guard: list[tuple[str, str]] | None = None,
) -> None:
    """:func:`figure` with what it shows given as a :func:`view`."""
    from nnviz.figures import to_json
    from nnviz.player import payload

    text = payload.ui_text(("plotly_missing", "plotly_failed"))
    data = {"name": key, "plotly": plotly_url(), "text": text, **shown}
    if ahead is not None and ahead_on:
        data |= {"next": ahead, "next_on": ahead_on, "next_guard": [list(g) for g in ahead_guard or []]}
    _FIGURE(key=key, data=to_json(data), height="content")


def mount(key: str, data: dict, on_request) -> None:
    """Draw the player with ``data`` (:meth:`PlayerSession.data`); ``on_request`` runs on each request."""
    from nnviz.figures import to_json

    # JSON text (parsed by player.js): NumPy arrays and non-finite numbers handled in one fast pass
    _COMPONENT(key=key, data=to_json(data), on_req_change=on_request, height="content")
