"""Classroom links: the fields that make a shared link reproduce the sharer's screen exactly.

NumPy only (no streamlit). :func:`nnviz.stepper.to_query` keeps the configuration, the current
learning rate and the number of updates; this module adds, for the step-through pages:

    step    the step on screen, 1-based, as the player's ``data-step`` (0: before the first step)
    phase   the phase on screen, 1-based in the status line's order (forward layer 1 = 1, …,
            update = P); 0 or absent: between steps (the network after ``step`` updates)
    sel     the selected neuron ``n<layer>.<j>`` (layer 0 = the inputs) or weight ``e<layer>.<i>.<j>``
            (= W<layer>[i,j]); absent: none
    row     the batch row shown (0 when absent)
    lrs     the learning rate of every step up to the one on screen, run-length encoded:
            ``0.02:40,0.5:10`` = 40 steps at 0.02 then 10 at 0.5 (absent: every step at ``lr``)
    w       the initial parameters when they are not the configuration's own (a loaded or edited
            network): the parameter vector (W1 row-major, b1, W2, …) as float64 little-endian bytes,
            base64url without padding — exact to the bit; only for networks of at most
            :data:`MAX_LINK_PARAMETERS` parameters (else the link says what it cannot carry)

``classroom=1`` (the settings sidebar hidden) and ``quiz=1`` (quiz mode on) are read by the page.
:func:`decode` validates everything and raises ``ValueError`` with a message on anything malformed.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import math
import re
from dataclasses import dataclass

import numpy as np

from nnviz.engine import Network
from nnviz.i18n import N_, _
from nnviz.stepper import LEARNING_RATES, MAX_LINK_STEPS

#: the largest network whose weights go into a link (300 float64 = 3.2 kB of text)
MAX_LINK_PARAMETERS = 300
#: the most learning-rate changes a link records
MAX_LINK_SEGMENTS = 500
FIELDS = ("step", "phase", "sel", "row", "lrs", "w")

#: the notes a link shows (one place; translated where they are made: :func:`encode`, the page)
TEXT = {
    "too_big": N_(
        "This network has {n} parameters; a link carries the weights of networks up to {m} parameters, so "
        "the link opens the configuration's own initial weights, not yours. Share the network file (Save / load) "
        "for the exact weights."
    ),
    "custom": N_(
        "The link does not carry your uploaded data set: whoever opens it must upload the same CSV and press "
        "'Use this data' first."
    ),
    "segments": N_(
        "This run changed the learning rate {n} times; a link keeps at most {m}: the link replays the "
        "first changes only."
    ),
}


def note(name: str) -> str:
    """``TEXT[name]`` in the session's language (English outside a Streamlit run)."""
    return _(TEXT[name])


@dataclass(frozen=True)
class Classroom:
    """What a link adds to a configuration: cursor (k, p) as :class:`~nnviz.stepper.Run`, selection,
    batch row, per-step learning rates as (first step, count, rate) segments, initial parameters."""

    cursor: tuple[int, int] = (0, -1)
    selection: tuple | None = None
    row: int = 0
    segments: tuple[tuple[int, int, float], ...] = ()
    parameters: np.ndarray | None = None

    @property
    def steps_needed(self) -> int:
        """How many steps must be recorded to show the cursor."""
        k, p = self.cursor
        return k + 1 if p >= 0 else k


def rate_segments(rates: np.ndarray) -> list[tuple[int, int, float]]:
    """Run-length segments (first step, count, rate) of per-step learning rates."""
    rates = np.asarray(rates, dtype=np.float64)
    if rates.size == 0:
        return []
    starts = np.flatnonzero(np.r_[True, rates[1:] != rates[:-1]])
    ends = np.r_[starts[1:], rates.size]
    return [(int(s), int(e - s), float(rates[s])) for s, e in zip(starts, ends)]


def encode_parameters(v: np.ndarray) -> str:
    return base64.urlsafe_b64encode(np.asarray(v, dtype="<f8").tobytes()).decode("ascii").rstrip("=")


def decode_parameters(text: str, n: int) -> np.ndarray:
    if len(text) > 4 * ((8 * MAX_LINK_PARAMETERS + 2) // 3) + 4:
        raise ValueError(_("the weights field is longer than a {n}-parameter network's").format(n=MAX_LINK_PARAMETERS))
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError(_("the weights field is not base64url"))
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError(_("the weights field is not base64url")) from None
    if len(raw) != 8 * n:
        raise ValueError(
            _("the weights field holds {k} numbers; this network has {n} parameters").format(k=len(raw) // 8, n=n)
        )
    v = np.frombuffer(raw, dtype="<f8").astype(np.float64)
    if not np.all(np.isfinite(v)):
        raise ValueError(_("the weights field holds a non-finite number"))
    return v


def selection_field(sel: tuple | None) -> str | None:
    if sel is None:
        return None
    if sel[0] == "neuron":
        return f"n{sel[1]}.{sel[2]}"
    return f"e{sel[1]}.{sel[2]}.{sel[3]}"


def parse_selection(text: str, sizes: list[int]) -> tuple:
    m = re.fullmatch(r"n(\d{1,2})\.(\d{1,3})|e(\d{1,2})\.(\d{1,3})\.(\d{1,3})", text)
    if not m:
        raise ValueError(
            _("the selection {value} is neither n<layer>.<j> nor e<layer>.<i>.<j>").format(value=repr(text[:20]))
        )
    if m.group(1) is not None:
        layer, j = int(m.group(1)), int(m.group(2))
        if layer >= len(sizes) or j >= sizes[layer]:
            raise ValueError(
                _("the selected neuron {value} is not in a {sizes} network").format(
                    value=repr(text), sizes="-".join(map(str, sizes))
                )
            )
        return ("neuron", layer, j)
    layer, i, j = int(m.group(3)), int(m.group(4)), int(m.group(5))
    if not 1 <= layer < len(sizes) or i >= sizes[layer - 1] or j >= sizes[layer]:
        raise ValueError(
            _("the selected weight {value} is not in a {sizes} network").format(
                value=repr(text), sizes="-".join(map(str, sizes))
            )
        )
    return ("edge", layer, i, j)


def encode(
    cursor: tuple[int, int],
    n_phases: int,
    selection: tuple | None,
    row: int,
    rates: np.ndarray,
    initial: Network,
    own_initial: Network | None,
) -> tuple[dict[str, str], list[str]]:
    """(the link's extra fields, notes on what it cannot carry) for the screen described.

    ``rates``: the learning rate of each recorded step; ``initial``: the run's first network;
    ``own_initial``: the configuration's own (None when there is none, e.g. uploaded data).
    """
    k, p = cursor
    q: dict[str, str] = {"step": str(k + 1 if p >= 0 else k), "phase": str(p + 1 if p >= 0 else 0)}
    notes: list[str] = []
    sel = selection_field(selection)
    if sel:
        q["sel"] = sel
    if row:
        q["row"] = str(int(row))
    needed = k + 1 if p >= 0 else k
    segs = rate_segments(np.asarray(rates)[:needed])
    if len(segs) > 1:
        if len(segs) > MAX_LINK_SEGMENTS:
            notes.append(note("segments").format(n=f"{len(segs) - 1:,}", m=MAX_LINK_SEGMENTS))
            segs = segs[:MAX_LINK_SEGMENTS]
        q["lrs"] = ",".join(f"{r:g}:{c}" for _, c, r in segs)
    v = initial.parameter_vector()
    if own_initial is None or not np.array_equal(v, own_initial.parameter_vector()):
        if v.size <= MAX_LINK_PARAMETERS:
            q["w"] = encode_parameters(v)
        else:
            notes.append(note("too_big").format(n=f"{v.size:,}", m=MAX_LINK_PARAMETERS))
    return q, notes


def decode(q: dict[str, str], n_phases: int, sizes: list[int], n_parameters: int) -> Classroom:
    """The :class:`Classroom` part of a link; ValueError with a message on anything malformed."""
    try:
        if "step" in q:
            step, phase = int(q["step"]), int(q.get("phase", 0))
        else:  # a link from before these fields: the update of step `steps`
            steps = int(q.get("steps", 0))
            step, phase = steps, (n_phases if steps else 0)
        row = int(q.get("row", 0))
    except (ValueError, OverflowError):
        raise ValueError(_("the step, phase or row is not a whole number")) from None
    if not 0 <= step <= MAX_LINK_STEPS:
        raise ValueError(_("step {step} is outside 0 … {max}").format(step=step, max=f"{MAX_LINK_STEPS:,}"))
    if not 0 <= phase <= n_phases:
        raise ValueError(
            _("phase {phase} is outside 0 … {n} (this network has {n} phases)").format(phase=phase, n=n_phases)
        )
    if phase > 0 and step == 0:
        raise ValueError(_("a phase needs a step of 1 or more"))
    if not 0 <= row < 10_000:
        raise ValueError(_("row {row} is outside the batch").format(row=row))
    cursor = (step - 1, phase - 1) if phase > 0 else (step, -1)
    sel = parse_selection(q["sel"], sizes) if q.get("sel") else None
    segments: list[tuple[int, int, float]] = []
    if q.get("lrs"):
        parts = q["lrs"].split(",")
        if len(parts) > MAX_LINK_SEGMENTS:
            raise ValueError(_("more than {max} learning-rate changes").format(max=MAX_LINK_SEGMENTS))
        first = 0
        for part in parts:
            m = re.fullmatch(r"([0-9.e+-]{1,12}):(\d{1,6})", part)
            if not m:
                raise ValueError(_("the learning rates {value} are not rate:count").format(value=repr(part[:20])))
            rate, count = float(m.group(1)), int(m.group(2))
            if rate not in LEARNING_RATES:
                raise ValueError(_("learning rate {rate} is not one of the offered rates").format(rate=f"{rate:g}"))
            segments.append((first, count, rate))
            first += count
        if first > MAX_LINK_STEPS:
            raise ValueError(
                _("the learning rates cover {n} steps, more than {max}").format(
                    n=f"{first:,}", max=f"{MAX_LINK_STEPS:,}"
                )
            )
    params = decode_parameters(q["w"], n_parameters) if q.get("w") else None
    return Classroom(cursor, sel, row, tuple(segments), params)


def rate_for(segments: tuple[tuple[int, int, float], ...], step: int, default: float) -> float:
    """The learning rate of 0-based ``step`` under a link's segments (``default`` past them)."""
    i = bisect.bisect_right(segments, (step, math.inf, math.inf)) - 1
    if i >= 0:
        first, count, rate = segments[i]
        if step < first + count:
            return rate
    return default
