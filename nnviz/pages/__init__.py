"""The app's pages: each entry has a ``render()``; :func:`page_specs` lists them in menu order.

The step-through examples come first, one page per ``stepper.EXAMPLES`` entry that has a page of its
own (in the registry's order); the other pages follow. Titles are English (marked with ``N_``); app.py
shows them in the session's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nnviz import stepper
from nnviz.i18n import N_
from nnviz.pages import about, data_page, forward_page, stepper_page
from nnviz.pages import mnist as mnist_page


@dataclass(frozen=True)
class PageSpec:
    render: Callable[[], None]
    title: str  # English; _(title) where shown
    url_path: str
    default: bool = False


#: the page that draws the example of uploaded data (its title and URL path are the entry's)
_UPLOAD = stepper.EXAMPLES[data_page.EXAMPLE]
#: the pages after the examples' own
OTHER_PAGES: tuple[PageSpec, ...] = (
    PageSpec(forward_page.render, N_("Fixed-weight forward pass"), "forward"),
    PageSpec(data_page.render, _UPLOAD.label, _UPLOAD.url_path),  # "Your data" at /data
    PageSpec(mnist_page.render, N_("MNIST digits"), "mnist"),
    PageSpec(about.render, N_("About"), "about"),
)


def page_specs() -> tuple[PageSpec, ...]:
    """Every page in menu order: the examples' (from the registry, read on each call), then the others."""
    own = tuple(
        PageSpec(stepper_page.page(key), e.label, e.url_path, default=e.default_page)
        for key, e in stepper.EXAMPLES.items()
        if e.page
    )
    return (*own, *OTHER_PAGES)


PAGES: tuple[PageSpec, ...] = page_specs()
