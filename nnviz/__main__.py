"""Command line: ``python -m nnviz reproduce {toy,study,forward,all}``.

Prints each seed tutorial's output as computed by the nnviz engine, so anyone
can put it beside the tutorial's own printout.
"""

from __future__ import annotations

import argparse
import sys

from nnviz import examples, stepper


def _reproducible() -> list[str]:
    """The step-through examples with a report (``stepper.EXAMPLES[…].reproduce``), in the registry's order."""
    return [key for key, e in stepper.EXAMPLES.items() if e.reproduce is not None]


def _reproduce(which: str, study_steps: int) -> list[str]:
    out: list[str] = []
    if which in ("forward", "all"):
        out += ["== seed 002: fixed-weight forward pass =="] + examples.forward_lines()
    for key in _reproducible():
        if which in (key, "all"):
            entry = stepper.EXAMPLES[key]
            heading, lines = entry.reproduce({"study_steps": study_steps})
            out += [f"== {entry.reference}: {heading} =="] + lines
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnviz", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("reproduce", help="print a seed tutorial's output from our engine")
    rep.add_argument("which", choices=[*_reproducible(), "forward", "all"])
    rep.add_argument("--study-steps", type=int, default=1000, help="steps for seed 003 (its loop runs 1,000)")
    args = parser.parse_args(argv)
    print("\n".join(_reproduce(args.which, args.study_steps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
