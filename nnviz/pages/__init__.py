"""The app's pages: each entry has a ``render()``; PAGES lists them in menu order.

Titles are English (marked with ``N_``); app.py shows them in the session's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nnviz.i18n import N_
from nnviz.pages import about, data_page, forward_page, stepper_page
from nnviz.pages import mnist as mnist_page


@dataclass(frozen=True)
class PageSpec:
    render: Callable[[], None]
    title: str  # English; _(title) where shown
    url_path: str
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec(stepper_page.render_study, N_("Study hours"), "study", default=True),
    PageSpec(stepper_page.render_toy, N_("Toy classification"), "toy"),
    PageSpec(stepper_page.render_playground, N_("Playground"), "playground"),
    PageSpec(forward_page.render, N_("Fixed-weight forward pass"), "forward"),
    PageSpec(data_page.render, N_("Your data"), "data"),
    PageSpec(mnist_page.render, N_("MNIST digits"), "mnist"),
    PageSpec(about.render, N_("About"), "about"),
)
