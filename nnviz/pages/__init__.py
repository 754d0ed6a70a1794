"""The app's pages: each entry has a ``render()``; PAGES lists them in menu order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nnviz.pages import about, data_page, forward_page, stepper_page
from nnviz.pages import mnist as mnist_page


@dataclass(frozen=True)
class PageSpec:
    render: Callable[[], None]
    title: str
    url_path: str
    default: bool = False


PAGES: list[PageSpec] = [
    PageSpec(stepper_page.render_study, "Study hours", "study", default=True),
    PageSpec(stepper_page.render_toy, "Toy classification", "toy"),
    PageSpec(stepper_page.render_playground, "Playground", "playground"),
    PageSpec(forward_page.render, "Fixed-weight forward pass", "forward"),
    PageSpec(data_page.render, "Your data", "data"),
    PageSpec(mnist_page.render, "MNIST digits", "mnist"),
    PageSpec(about.render, "About", "about"),
]
