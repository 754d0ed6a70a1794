"""Reading what an AppTest run sent to the browser's nnviz.figure elements (``component.figure``).

An element's data is JSON text, sent as a JSON string: the figure ("fig"), the line above it
("head"), the caption below it ("note") and, while Teach it can be pressed, the view a click shows
at once ("next").
"""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def figure_elements(at: AppTest) -> dict[str, dict]:
    """Every nnviz.figure element of the last run, by key: its data as the browser gets it."""
    out = {}
    for c in at.get("bidi_component"):
        data = json.loads(c.proto.json) if c.proto.json else None
        data = json.loads(data) if isinstance(data, str) else data
        if isinstance(data, dict) and "fig" in data and "name" in data:
            out[data["name"]] = data
    return out


def figure_texts(at: AppTest) -> list[str]:
    """The lines the figure elements show above and below their figures (not the views ahead)."""
    return [t for d in figure_elements(at).values() for t in (d.get("head"), d.get("note")) if t]
