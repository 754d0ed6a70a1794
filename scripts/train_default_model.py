"""Train the default MNIST network and write nnviz/data/mnist_model.npz (the page's pretrained model).

    .venv/bin/python scripts/train_default_model.py            # default TrainConfig, split seed 0
    .venv/bin/python scripts/train_default_model.py --check    # train again, compare with the shipped file

Trains ``nnviz.mnist_train.TrainConfig()`` on the training 70 % of the embedded subset (seed-0
split), reports validation and test accuracy on the held-out 15 % each (the test digits are
never used for training or model choice), and saves the arrays with a JSON header (config,
metrics, per-epoch curves). The file is read with ``allow_pickle=False``.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nnviz import mnist  # noqa: E402
from nnviz import mnist_train as mt  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=mt.MODEL_PATH)
    ap.add_argument("--split-seed", type=int, default=0)
    ap.add_argument("--check", action="store_true", help="train and compare test accuracy with the shipped model")
    args = ap.parse_args(argv)

    digits = mnist.load_subset()
    split = mnist.split_indices(len(digits), args.split_seed)
    cfg = mt.TrainConfig()

    def progress(stats: mt.EpochStats, res: mt.TrainResult) -> None:
        print(
            f"epoch {stats.epoch:3d}  loss {stats.loss:.4f}  train {stats.train_accuracy:.4f}  "
            f"val {stats.val_accuracy:.4f}  {stats.seconds:5.1f} s",
            flush=True,
        )

    res = mt.train(
        cfg,
        digits.images[split.train],
        digits.labels[split.train],
        digits.images[split.val],
        digits.labels[split.val],
        on_epoch=progress,
        record_snapshots=False,
    )
    test_acc = mt.accuracy(res.network, mnist.inputs(digits.images[split.test]), digits.labels[split.test])
    metrics = {
        "test_accuracy": test_acc,
        "val_accuracy": res.epochs[-1].val_accuracy,
        "split_seed": args.split_seed,
        "n_train": int(len(split.train)),
        "n_test": int(len(split.test)),
        "train_seconds": round(res.seconds, 2),
        "samples_per_second": round(res.samples_per_second),
        "numpy": np.__version__,
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
    }
    print(f"test accuracy {test_acc:.4f} on {len(split.test)} held-out digits; trained in {res.seconds:.1f} s")
    if args.check:
        shipped = mt.load_model(args.out)
        print(f"shipped model: test accuracy {shipped.metrics['test_accuracy']:.4f}")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    mt.save_model(args.out, res, metrics)
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
