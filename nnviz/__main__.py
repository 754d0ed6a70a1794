"""Command line: ``python -m nnviz reproduce {toy,study,forward,all}``.

Prints each seed tutorial's output as computed by the nnviz engine, so anyone
can put it beside the tutorial's own printout.
"""

from __future__ import annotations

import argparse
import sys

from nnviz import examples


def _reproduce(which: str, study_steps: int) -> list[str]:
    out: list[str] = []
    if which in ("forward", "all"):
        out += ["== seed 002: fixed-weight forward pass =="] + examples.forward_lines()
    if which in ("study", "all"):
        out += [f"== seed 003: study hours ({study_steps} full-batch steps, lr 1) =="]
        out += examples.study_lines(examples.run_study(study_steps))
    if which in ("toy", "all"):
        out += ["== seed 004: toy classification (5,001 epochs, lr 0.02) =="]
        out += examples.toy_lines(examples.run_toy())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnviz", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("reproduce", help="print a seed tutorial's output from our engine")
    rep.add_argument("which", choices=["toy", "study", "forward", "all"])
    rep.add_argument("--study-steps", type=int, default=1000, help="steps for seed 003 (its loop runs 1,000)")
    args = parser.parse_args(argv)
    print("\n".join(_reproduce(args.which, args.study_steps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
