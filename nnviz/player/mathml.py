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

# A number as arithmetic.fmt writes it — "1.23", "(-0.5)", "1.5\times10^{-7}", "(-2\times10^{5})" — or any
# other number not glued to a name (the 1 of W1 belongs to the name). Placeholders are numbers too,
# so the template's MathML has one <mn> per hole, whatever the sign or exponent of the number.
_NUMBER = re.compile(
    r"\((-)(\d+(?:\.\d+)?)(?:\\times10\^\{(-?\d+)\})?\)"  # a negative number, in parentheses
    r"|(?<![A-Za-z\d.])(\d+(?:\.\d+)?)(?:\\times10\^\{(-?\d+)\})?"
)
_PLACEHOLDER = 9_000_000
_SLOT = re.compile(r"<mn>(9\d{6})</mn>")
_MINUS = "<mo>&#x02212;</mo>"


def _number_mathml(m: re.Match) -> str:
    neg, mant, exp = (m.group(1), m.group(2), m.group(3)) if m.group(2) else (None, m.group(4), m.group(5))
    out = f"<mn>{mant}</mn>"
    if exp is not None:
        e = f"{_MINUS}<mn>{exp[1:]}</mn>" if exp.startswith("-") else f"<mn>{exp}</mn>"
        out += f"<mo>&#x000D7;</mo><msup><mn>10</mn><mrow>{e}</mrow></msup>"
    if neg:
        out = f'<mo stretchy="false">(</mo>{_MINUS}{out}<mo stretchy="false">)</mo>'
    return f"<mrow>{out}</mrow>" if neg or exp is not None else out
MAX_TEMPLATES = 2_000
# LaTeX that takes no width: commands and braces (a rough count of what a row shows)
_VISIBLE = re.compile(r"\\[a-zA-Z]+|[{}_^]")


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
    # the left-hand side and its first right-hand side share the first row when both are short
    # (a few dozen characters of LaTeX fit a 1280 px screen's arithmetic column)
    if len(out) > 1 and len(parts) > 1 and not out[1].startswith("+ ") and len(_VISIBLE.sub("", out[0] + out[1])) <= 34:
        out[:2] = [out[0] + " " + out[1]]
    return out


def to_mathml(latex: str, cache: MutableMapping[str, str]) -> str:
    """``<math>`` for one LaTeX row; ``cache`` maps templates to their MathML (bounded by the caller's use)."""
    numbers: list[str] = []

    def hole(m: re.Match) -> str:
        numbers.append(_number_mathml(m))
        return "{" + str(_PLACEHOLDER + len(numbers) - 1) + "}"  # braced: x^2 must stay one superscript

    template = _NUMBER.sub(hole, latex)
    ml = cache.get(template)
    if ml is None:
        ml = convert(template)
        if len(cache) >= MAX_TEMPLATES:
            cache.clear()
        cache[template] = ml
    return _SLOT.sub(lambda m: numbers[int(m.group(1)) - _PLACEHOLDER], ml)


def equation_html(latex: str, cache: MutableMapping[str, str], css_class: str = "eq") -> str:
    """One equation as a block of rows, each a ``<math>``; the LaTeX source rides along in ``data-tex``."""
    inner = "".join(f'<div class="row">{to_mathml(r, cache)}</div>' for r in rows(latex))
    return f'<div class="{css_class}" data-tex="{html.escape(latex, quote=True)}">{inner}</div>'
