"""LaTeX → MathML for the player's arithmetic panel (Chromium, Firefox and Safari render MathML natively).

Why MathML made on the server: the browser needs no math library (no KaTeX to ship and load),
and the server stays the one place that writes the formulas. latex2mathml costs ~1 ms a line,
too much for a step's ~50 lines, but a step's lines differ from the last step's only in their
numbers: each line is converted once per *template* (its numbers replaced by placeholders) and
the numbers are put back into the MathML. The template cache belongs to the caller (one per
session): nothing here is module-level mutable state.

Long equations are broken into rows (one per top-level "=", at most two summands a row), each its
own ``<math>``, so that the panel wraps instead of scrolling sideways.
"""

from __future__ import annotations

import html
import re
from collections.abc import MutableMapping

from latex2mathml.converter import convert

from nnviz.arithmetic import _split_top

# A number not glued to a name (the 1 of W1 and z1 belongs to the name); placeholders are
# numbers too, so the converter treats them exactly like the numbers they stand for.
_NUMBER = re.compile(r"(?<![A-Za-z\d.])\d+(?:\.\d+)?")
_PLACEHOLDER = 9_000_000
_SLOT = re.compile(r"<mn>(9\d{6})</mn>")
MAX_TEMPLATES = 2_000


def rows(latex: str, terms_per_row: int = 2) -> list[str]:
    """One equation as display rows: ``lhs = t1 + t2``, ``+ t3 + t4``, ``= rhs`` … (LaTeX each)."""
    if latex.startswith(r"\begin{"):
        return [latex]
    parts = _split_top(latex, " = ")
    out = []
    for k, part in enumerate(parts):
        terms = _split_top(part, " + ")
        chunks = [" + ".join(terms[i : i + terms_per_row]) for i in range(0, len(terms), terms_per_row)]
        lead = "" if k == 0 else "= "
        out.append(lead + chunks[0])
        out += ["+ " + c for c in chunks[1:]]
    # the left-hand side and its first right-hand side share the first row
    if len(out) > 1 and len(parts) > 1 and not out[1].startswith("+ "):
        out[:2] = [out[0] + " " + out[1]]
    return out


def to_mathml(latex: str, cache: MutableMapping[str, str]) -> str:
    """``<math>`` for one LaTeX row; ``cache`` maps templates to their MathML (bounded by the caller's use)."""
    numbers: list[str] = []

    def hole(m: re.Match) -> str:
        numbers.append(m.group(0))
        return "{" + str(_PLACEHOLDER + len(numbers) - 1) + "}"  # braced: x^2 must stay one superscript

    template = _NUMBER.sub(hole, latex)
    ml = cache.get(template)
    if ml is None:
        ml = convert(template)
        if len(cache) >= MAX_TEMPLATES:
            cache.clear()
        cache[template] = ml
    return _SLOT.sub(lambda m: f"<mn>{numbers[int(m.group(1)) - _PLACEHOLDER]}</mn>", ml)


def equation_html(latex: str, cache: MutableMapping[str, str], css_class: str = "eq") -> str:
    """One equation as a block of rows, each a ``<math>``; the LaTeX source rides along in ``data-tex``."""
    inner = "".join(f'<div class="row">{to_mathml(r, cache)}</div>' for r in rows(latex))
    return f'<div class="{css_class}" data-tex="{html.escape(latex, quote=True)}">{inner}</div>'
