"""The app's pages: each module exposes ``render()``; PAGES lists them in menu order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from nnviz.pages import about


@dataclass(frozen=True)
class PageSpec:
    render: Callable[[], None]
    title: str
    url_path: str
    default: bool = False


PAGES: list[PageSpec] = [
    PageSpec(about.render, "About", "about", default=True),
]
