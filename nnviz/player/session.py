"""The server side of the player: one session's requests in, the data for the browser out.

No streamlit here: :class:`PlayerSession` lives in a session's state and is driven by
:meth:`PlayerSession.handle` (a request from the browser) and :meth:`PlayerSession.data` (what
the browser is sent on this rerun). Requests (``req["a"]``):

    goto      show (k, p); record steps up to k first (in chunks of bounded time, with progress)
    cursor    the step on screen, reported once the clicking pauses (nothing computed)
    prefetch  detailed steps near k, computed ahead (the cursor stays where the browser has it)
    ahead     Play: record steps ahead and send light frames every ``stride`` steps
    lr        a new learning rate from the step on screen on (the recorded future is dropped)
    select    a neuron or weight for the arithmetic panel (clicked in the diagram); sample, layer
    reset     back to the initial network, history cleared
    stop      stop a long Run/Epoch where it is
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import numpy as np

from nnviz import figures, i18n, sampling, share
from nnviz.engine import HISTORY_FULL, HistoryFull
from nnviz.i18n import _
from nnviz.player import payload
from nnviz.player.payload import View
from nnviz.stepper import Run

#: one request may compute steps for this long before it answers (the rest follows in chunks)
COMPUTE_BUDGET_S = 0.5
#: after a chunk of long work (a link, Run N, Epoch), the player waits this many times the chunk's
#: compute time before asking for the next: one session's long work takes at most a third of the
#: server's time, and the other students' clicks keep most of theirs (README, robustness: with 1,
#: half of the server, a victim's Step was up to 1.88× its idle latency; with 2, at most 1.29×)
LONG_WORK_PAUSE = 2.0
#: the most steps one run may record (memory bound; see the README's robustness section)
MAX_STEPS = 100_000
#: losses sent for the loss curve at most (evenly thinned beyond)
MAX_CURVE_POINTS = 4_000
#: loss curves a session may pin at once
MAX_PINS = 3
#: how many recent request nonces a session remembers, to apply a resent request once
HANDLED_NONCES = 64
#: requests one trigger may carry (player.js keeps at most this many unacknowledged: OUTBOX_MAX)
MAX_BATCH = 16


@dataclass
class PlayerSession:
    """One browser session's player: what the server knows of the cursor, the view, the learning rate."""

    lr: float
    synced_lr: float | None = None  # the rate last written to the page's session state
    run: Run | None = None
    token: int = 0
    seq: int = 0
    cursor: tuple[int, int] = (0, -1)
    force: bool = True
    view: View = field(default_factory=View)
    target: tuple[int, int] | None = None  # a goto still being computed
    busy_s: float = 0.0  # compute time of the last chunk of that goto
    message: tuple[str, str] | None = None
    trunc: int | None = None
    clear: bool = False
    handled: tuple[str, ...] = ()  # the nonces of the last requests applied (a repeat is not re-applied)
    light: dict = field(default_factory=dict)
    have: tuple[int, ...] = ()
    mathml_cache: dict = field(default_factory=dict)
    #: loss curves pinned for comparison: (label, step numbers, batch losses), at most MAX_PINS
    pinned: list = field(default_factory=list)
    #: a classroom link's learning rates, (first step, count, rate) segments: new steps replay them
    planned: tuple = ()
    _requested: bool = False  # this rerun answers a request from the player
    #: the language the browser's frames are in: another one (the picker) rebuilds them all
    lang: str = ""

    # -- the run --------------------------------------------------------------

    def attach(self, run: Run) -> None:
        """Follow ``run`` (a new configuration starts a new one: the browser forgets the old)."""
        if run is not self.run:
            self.run = run
            self.token += 1
            self.cursor = (run.step_index, run.phase_index)
            self.force = True
            self.view = View()
            self.target = None

    def _set_cursor(self, k: int, p: int, force: bool) -> None:
        self.cursor = (int(k), int(p))
        self.run.step_index, self.run.phase_index = self.cursor
        if force:
            self.force = True

    def _last(self) -> int:
        return len(self.run.phases) - 1

    # -- requests ---------------------------------------------------------------

    def handle_all(self, batch, on_share=None) -> list[dict]:
        """Apply the requests of one trigger (player.js sends every request it has no acknowledgement
        for: ``{"batch": [...]}``, or one request as before) in order, each nonce once; return those
        applied. ``on_share(req)`` runs after a "share" request has moved the cursor. A trigger that
        only repeats what was applied (its answer was lost) is answered with the cursor."""
        reqs = batch.get("batch") if isinstance(batch, dict) and "batch" in batch else [batch]
        if not isinstance(reqs, list):
            reqs = []
        applied = []
        for req in reqs[:MAX_BATCH]:
            if not isinstance(req, dict) or str(req.get("nonce", ""))[:40] in self.handled:
                continue
            if req.get("a") == "share":
                self.handle({**req, "a": "cursor"})
                if on_share is not None:
                    on_share(req)
            else:
                self.handle(req)
            applied.append(req)
        self._requested = True
        if not applied:
            self.force = True
        return applied

    def handle(self, req: dict) -> None:
        """Apply one request from the browser (malformed ones are ignored with a message); a nonce
        already applied is not applied again."""
        run = self.run
        if run is None or not isinstance(req, dict):
            return
        nonce = str(req.get("nonce", ""))[:40]
        self._requested = True
        if nonce in self.handled:
            # the player sent it again, its answer unseen (player.js st.transmit): apply it once, and
            # answer with the cursor so the player shows where the first one led
            self.force = True
            return
        if nonce:
            self.handled = (*self.handled, nonce)[-HANDLED_NONCES:]
        self.light = {}
        self.have = tuple(int(h) for h in req.get("have", ()) if isinstance(h, int))[:64]
        try:
            action = str(req.get("a"))
            k = int(req.get("k", self.cursor[0]))
            p = int(req.get("p", self.cursor[1]))
        except (TypeError, ValueError):
            self.message = ("warning", _("The player sent a request the server could not read; nothing changed."))
            return
        P = len(run.phases)
        k = max(0, min(k, MAX_STEPS - 1))
        p = max(-1, min(p, P - 1))
        if action == "goto":
            self.target = (k, p)
            self._continue_goto()
        elif action == "cursor":  # where the learner is (the link, the tabs and a saved file follow it)
            if k < len(run.history) or p < 0:
                self._set_cursor(k, p, force=False)
        elif action == "prefetch":
            self._set_cursor(k, p, force=False)
            self._compute_to(min(k + 3, MAX_STEPS - 1), COMPUTE_BUDGET_S / 5)
        elif action == "ahead":
            self._ahead(k, max(1, min(int(req.get("stride", 1)), 1000)))
        elif action == "lr":
            self.planned = ()  # the learner takes over the rates a link replayed
            self._learning_rate(req.get("lr"), k, p)
        elif action == "select":
            sel = req.get("sel")
            if isinstance(sel, list) and sel and sel[0] in ("neuron", "edge"):
                sel = tuple(sel)
                self.view = replace(self.view, selection=None if sel == self.view.selection else sel)
                self.clear = True
            self._set_cursor(k, p, force=False)
        elif action == "view":
            self.view = replace(
                self.view,
                sample=max(0, int(req.get("sample", self.view.sample))),
                layer=max(0, int(req.get("layer", self.view.layer))),
            )
            self.clear = True
            self._set_cursor(k, p, force=False)
        elif action == "reset":
            self.planned = ()
            run.reset()
            self.trunc = 0
            self.target = None
            self._set_cursor(0, -1, force=True)
        elif action == "stop":
            self.target = None
            self._set_cursor(k, p, force=True)

    def pin(self, label: str) -> bool:
        """Keep the run's loss curve so far (downsampled) to draw beside later runs; False when nothing
        is recorded yet. The oldest pin goes beyond MAX_PINS."""
        h = self.run.history
        if not len(h):
            return False
        idx, curve = sampling.downsample_curve(h.losses, MAX_CURVE_POINTS)
        self.pinned = [*self.pinned, (str(label)[:80], idx + 1, curve)][-MAX_PINS:]
        self.force = True
        return True

    def set_region_options(self, show_test: bool, discretize: bool) -> None:
        """The page's "show test data" and "discretize output" toggles; a change redraws every frame."""
        if (self.view.show_test, self.view.discretize) != (show_test, discretize):
            self.view = replace(self.view, show_test=bool(show_test), discretize=bool(discretize))
            self.clear = True
            self.force = True

    def _compute_to(self, k: int, budget_s: float) -> bool:
        """Record steps up to k (0-based) with the current learning rate, for at most ``budget_s``;
        True when step k exists. Stops at divergence."""
        run = self.run
        h = run.history
        t0 = time.perf_counter()
        while len(h) <= k:
            if run.barrier is not None:
                return False
            nxt = min(k, len(h) + 63)
            # Run._ensure truncates a recorded step whose rate differs: here only new steps are made.
            try:
                while len(h) <= nxt:
                    if not run._ensure(len(h), share.rate_for(self.planned, len(h), self.lr)):
                        return len(h) > k
            except HistoryFull:
                self.message = ("warning", _(HISTORY_FULL).format(n=f"{h.max_steps:,}"))
                self.target = None
                return len(h) > k
            if time.perf_counter() - t0 > budget_s:
                break
        return len(h) > k

    def _continue_goto(self) -> None:
        k, p = self.target
        if p < 0 and k <= len(self.run.history):
            self.target = None
            self._set_cursor(k, p, force=True)
            return
        t0 = time.perf_counter()
        done = self._compute_to(k, COMPUTE_BUDGET_S)
        self.busy_s = time.perf_counter() - t0
        h = self.run.history
        if done:
            self.target = None
            self._set_cursor(k, p, force=True)
            return
        if self.run.barrier is not None:
            self.target = None
            last = max(0, min(self.run.barrier, len(h) - 1))
            self._set_cursor(last, self._last() if len(h) else -1, force=True)

    def _ahead(self, k: int, stride: int) -> None:
        """Play: steps k … k + chunk·stride recorded, light frames every ``stride``-th."""
        run = self.run
        want = min(k + payload.PLAY_CHUNK * stride, MAX_STEPS) - 1
        self._compute_to(want, payload.PLAY_BUDGET_S)
        last = min(want, len(run.history) - 1)
        if last >= k:
            first = k + stride - 1 if stride > 1 else k
            self.light = payload.light_frames(run, min(first, last), last, stride, self.view, self._surface)

    def _learning_rate(self, lr, k: int, p: int) -> None:
        try:
            lr = float(lr)
        except (TypeError, ValueError):
            return
        if not (math.isfinite(lr) and lr in self.run.learning_rates):
            self.message = (
                "warning",
                _("Learning rate {lr} is not one of the offered rates; it is unchanged.").format(lr=repr(lr)),
            )
            return
        self.lr = lr
        run = self.run
        h = run.history
        first = k + 1 if p == self._last() else k  # the first step the new rate applies to
        if first < len(h) and h.learning_rates[first] != lr:
            h.truncate(first)
            self.trunc = first
            run.forget_after(first)
        if p >= 0 and p < self._last():
            self._compute_to(k, COMPUTE_BUDGET_S)
        self._set_cursor(k, p, force=True)

    # -- what the browser is sent --------------------------------------------------

    _surface: dict | None = None

    def set_surface(self, spec: dict | None, ctx: dict | None) -> None:
        """The loss-surface slice drawn by the page (its spec) and what the player needs to move the
        current point on it (parameter indices, data, grid)."""
        self._surface_spec = spec
        self._surface = ctx

    def _surface_if_new(self) -> dict:
        """The surface spec when it is not the one sent last (it is large: 61×61 values twice)."""
        spec = getattr(self, "_surface_spec", None)
        # a rerun that answers a request goes to the player that has the last one; any other rerun (a
        # page drawn anew, the learner back from another page) sends it
        if self._requested and spec is getattr(self, "_surface_sent", False) and not self.force:
            return {}
        self._surface_sent = spec
        return {"surface": spec}  # (a page rerun after it sends it again: force is still set then)

    def data(self, plotly_url: str, has_regions: bool, final: bool = True) -> dict:
        """The player's data for this rerun. ``final=False``: the whole page reruns right after this
        fragment (it follows the player), and Streamlit may never deliver this answer to the browser;
        its one-shot parts (a forced cursor, a truncation, a cleared cache, a message) then go out
        again with the page's answer. The player applies a forced cursor once (by ``seq``), so the
        browser that gets both answers is where it would be with one."""
        run = self.run
        h = run.history
        k, p = self.cursor
        n = len(h)
        lang = i18n.current()
        if lang != self.lang:  # every frame the browser holds has the old language's words: send them anew
            self.lang = lang
            self.clear = True
        skip = frozenset() if self.clear else frozenset(self.have)
        steps, idle = {}, {}
        if self.target is None:  # while a long Run computes, each chunk's answer is only its progress
            steps = payload.detail_window(run, min(k, max(n - 1, 0)), self.view, self._surface, self.mathml_cache, skip)
            idle = {i: payload.idle_frame(run, i, self.view, self._surface) for i in {0, min(k, n), min(k + 1, n)}}
        # at most MAX_CURVE_POINTS points drawn, min/max per bucket so spikes survive
        idx, curve = sampling.downsample_curve(h.losses, MAX_CURVE_POINTS) if n else (np.arange(0), np.empty(0))
        measures = run.metrics()[:, idx] if n and run.measures_wanted else None
        out = {
            "run": f"{self.token}",
            "plotly": plotly_url,
            "seq": self.seq if not self.force else self.seq + 1,
            "cursor": list(self.cursor) if self.force else None,
            "labels": [ph.label for ph in run.phases],  # the contract: data-phase is the engine's English label
            "names": [i18n.phase_label(ph) for ph in run.phases],  # what the status bar and the quiz show
            "text": payload.ui_text(),
            "n": n,
            "spe": h.schedule.steps_per_epoch,
            "max_steps": MAX_STEPS,
            "lr": self.lr,
            "lrs": list(run.learning_rates),
            "steps": steps,
            "idle": idle,
            "light": self.light,
            "loss_spec": figures.loss_curve(
                curve, max(1, n), h.schedule.steps_per_epoch, x=idx + 1, measures=measures,
                measure_note=_("(over all points, after the last step)"), pinned=self.pinned,
            )
            if n
            else None,
            **self._surface_if_new(),
            "has_regions": has_regions,
            "view": {"sample": self.view.sample, "layer": self.view.layer, "layers": run.history.template.n_layers},
            "diverged": run.barrier,  # the last step Play and Run may reach (divergence or the stop rule)
            "trunc": self.trunc,
            "clear": self.clear,
            "acks": list(self.handled),  # player.js drops these from its outbox
            "progress": None,
        }
        if self.target is not None:
            out["progress"] = [n, self.target[0] + 1]
            out["target"] = list(self.target)
            out["pause_ms"] = round(1000 * LONG_WORK_PAUSE * self.busy_s)
        if run.diverged_at is not None:
            out["message"] = _(
                "Diverged at step {step}: the loss became non-finite or exploded (learning rate {lr}). "
                "Use Back or the slider to return to the last finite state, or lower the learning rate."
            ).format(step=run.diverged_at + 1, lr=f"{self.lr:g}")
            out["message_kind"] = "error"
        elif run.stop_message():
            out["message"], out["message_kind"] = run.stop_message(), "success"
        elif self.message:
            out["message_kind"], out["message"] = self.message
        if not final:
            return out
        if self.force:
            self.seq += 1
            self.force = False
        self.trunc = None
        self.clear = False
        self.message = None
        self._requested = False
        return out
