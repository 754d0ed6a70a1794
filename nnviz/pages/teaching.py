"""Teaching aids under the step-through player: the worked step as a document (a worksheet).

Widgets only; the document is :mod:`nnviz.worksheet`'s. Quiz mode and the classroom link live in
the player itself (``player.js``, :mod:`nnviz.quiz`); the page calls the link helpers below
(:mod:`nnviz.share` holds the link's fields).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

import streamlit as st

from nnviz import i18n, share, state, stepper, worksheet
from nnviz.i18n import N_, _
from nnviz.stepper import Run

#: the widgets' words (one place; translated where shown; "Download worked step" is the issue's contract label)
TEXT = {
    "download": N_("Download worked step"),
    "blank": N_("Blank exercise sheet with an answer key"),
    "caption": N_(
        "Step {step} as on screen: an HTML file with the diagram, the network, the batch and every phase's "
        "arithmetic with its numbers (MathML: opens in any browser, prints)."
    ),
    "caption_blank": N_(
        "Step {step} as on screen, as an exercise: the givens, every computed value a numbered blank, "
        "the answers at the end."
    ),
}


def _text(name: str) -> str:
    """``TEXT[name]`` in the session's language."""
    return _(TEXT[name])


def record_on_screen(run: Run, lr: float):
    """(record, 0-based step) of the step on screen; when idle, the step the next click computes
    (not stored in the history: the player records it when the learner gets there)."""
    h = run.history
    k = run.step_index
    if k < len(h):
        return h.record(k), k
    return h._compute(k, lr), k  # read-only: the same computation History.step would store


def worksheet_controls(example: str, run: Run, lr: float, page: str) -> None:
    """The **Download worked step** button and its blank-sheet option."""
    k = lambda name: state.key(example, name)  # noqa: E731
    rec, step = record_on_screen(run, lr)
    c1, c2 = st.columns([1, 2], vertical_alignment="center")
    with c2:
        blank = st.checkbox(_text("blank"), key=k("ws_blank"))
    name = f"nnviz-{example}-step{step + 1}{'-exercise' if blank else ''}.html"
    lang = i18n.current()
    with c1:
        st.download_button(
            _text("download"),
            # built when clicked (a deferred download: ~0.1 s for the built-in examples), in the run's
            # language: the deferred call runs outside the run, where there is no session
            data=lambda: worksheet.document(rec, step=step + 1, page=page, blank=blank, lang=lang).encode("utf-8"),
            file_name=name,
            mime="text/html",
            key=k("ws_download"),
            on_click="ignore",
        )
    st.caption(_text("caption_blank" if blank else "caption").format(step=step + 1))


# -- classroom links -------------------------------------------------------------

LINK_TEXT = {
    "classroom": N_("Classroom view: the settings are hidden. Open the link without classroom=1 to change them."),
    "bad_link": N_("Could not open the shared link ({why}); showing the default run."),
}


def link_text(name: str) -> str:
    """``LINK_TEXT[name]`` in the session's language."""
    return _(LINK_TEXT[name])


#: hides the settings sidebar and its toggle (``?classroom=1``), as Playground's "hide controls"
CLASSROOM_CSS = (
    "<style>[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'], "
    "[data-testid='stExpandSidebarButton'] { display: none !important; }</style>"
)


@dataclass(frozen=True)
class Link:
    """A parsed classroom link: its :class:`~nnviz.share.Classroom` part and the network it starts from."""

    classroom: share.Classroom
    network: object | None  # a Network when the link carries weights


def parse_link(q: dict[str, str], cfg: stepper.Config, data) -> Link:
    """The classroom fields of a link for ``cfg`` on ``data``; ValueError with a message when malformed."""
    own = stepper.build_network(cfg, data)
    cls = share.decode(q, 2 * own.n_layers + 2, own.sizes, own.n_parameters)
    return Link(cls, None if cls.parameters is None else own.with_parameters(cls.parameters))


def open_link(ps, cls: share.Classroom) -> None:
    """Put a link's screen into the player session: its rates, selection and row, then its cursor
    (computed by the player in chunks of bounded time, with progress)."""
    ps.planned = cls.segments
    ps.view = replace(ps.view, selection=cls.selection, sample=cls.row)
    if cls.cursor != (0, -1):
        ps.handle({"a": "goto", "k": cls.cursor[0], "p": cls.cursor[1]})


def flags(example: str) -> dict[str, bool]:
    """``classroom`` (this session opened a ``?classroom=1`` link) and ``quiz`` (``&quiz=1`` on this page)."""
    ss = st.session_state
    ss.setdefault("nnviz_classroom", st.query_params.get("classroom") == "1")
    ss.setdefault(state.key(example, "quiz_link"), st.query_params.get("quiz") == "1")
    return {"classroom": ss["nnviz_classroom"], "quiz": ss[state.key(example, "quiz_link")]}


def classroom_view(example: str) -> None:
    """Hide the settings sidebar when the session opened a classroom link."""
    if flags(example)["classroom"]:
        st.html(CLASSROOM_CSS)
        st.caption(link_text("classroom"))


def link_query(example: str, run: Run, ps) -> tuple[dict[str, str], list[str]]:
    """(the query string that reproduces the screen, notes on what it cannot carry)."""
    q = stepper.to_query(run.config, ps.lr, run.updates_applied)
    own = stepper.build_network(run.config, run.data)
    extra, notes = share.encode(
        ps.cursor,
        len(run.phases),
        ps.view.selection,
        ps.view.sample,
        run.history.learning_rates,
        run.history.network(0),
        own,
    )
    q.update(extra)
    q.update(i18n.url_fields())  # the session's language (none while in English by default)
    if stepper.EXAMPLES[example].uploaded:  # a link cannot carry an upload
        notes.append(share.note("custom"))
    f = flags(example)
    for name in ("classroom", "quiz"):
        if f[name]:
            q[name] = "1"
    return q, notes


def make_share(example: str, run: Run, ps, quiz_on: bool, nonce: str = "") -> None:
    """Answer the player's **Share for class** (request ``nonce``): the link (classroom view, the quiz
    as the sharer has it)."""
    q, notes = link_query(example, run, ps)
    q["classroom"] = "1"
    if quiz_on:
        q["quiz"] = "1"
    else:
        q.pop("quiz", None)
    st.session_state[state.key(example, "share")] = {"query": urlencode(q), "notes": notes, "nonce": str(nonce)[:40]}


def player_extras(example: str, keep: bool = False) -> dict:
    """What the player gets besides :meth:`PlayerSession.data`: the link's quiz flag, a share answer
    (``keep``: sent again with the next answer too; the player shows one share once, by its nonce)."""
    ss, key = st.session_state, state.key(example, "share")
    return {"quiz": flags(example)["quiz"], "share": ss.get(key) if keep else ss.pop(key, None)}
