"""Files learners bring: a CSV data set, or a network someone saved (NumPy and the stdlib only).

A CSV file becomes a :class:`~nnviz.examples.Dataset`.

Two stages, so the page can show the table before anything is chosen:

- :func:`read_csv` checks the file itself (size, encoding, header, shape) and
  returns a :class:`Table` of strings;
- :func:`build_dataset` turns the chosen input and target columns into arrays,
  checks every cell it uses, and scales them.

Rows are numbered as a spreadsheet numbers them: the header is row 1, the first
data row is row 2. Every problem raises ``ValueError`` with a message a learner
can act on, naming the row and column.

Scaling of the inputs (x: one column over the n rows):

    "max"          x / max|x|              (seed 003 divides by the column max)
    "standardise"  (x − mean x) / std x    (population std, ddof = 0)
    "none"         x

Regression targets are scaled into [0, 1], the range a sigmoid output reaches:
y / max y when every y ≥ 0 (as seed 003 divides scores by 100), else
(y − min y) / (max y − min y). :attr:`Dataset.note` states the exact transform
and how to turn a prediction back into real units.

Messages and notes are in the session's language (:mod:`nnviz.i18n`; English outside a
Streamlit run). A data set's note and its class names ("class yes") are written when it is
built, in the language of that moment. The task names ("classification", "regression") and
scaling names stay English identifiers; a page translates what it shows of them.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np

from nnviz import stepper
from nnviz.engine import LOSSES, Network
from nnviz.examples import Dataset
from nnviz.i18n import N_, _, ngettext
from nnviz.safe_text import quoted, shorten
from nnviz.stepper import Config

MAX_ROWS = 10_000
MAX_COLUMNS = 50
MAX_FILE_BYTES = 5_000_000
MIN_ROWS = 2
MAX_CLASSES = 20
#: an integer column with at most this many distinct values (each seen at least twice on average) is a class label
AUTO_MAX_CLASSES = 10
#: cells read as "missing" (compared lower-case, after stripping spaces)
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "#n/a"})
TASKS = ("auto", "regression", "classification")
SCALINGS = ("max", "standardise", "none")
DELIMITERS = (",", ";", "\t")
#: the task identifiers in words (for pages: ``_(TASK_NAMES[task])``)
TASK_NAMES = MappingProxyType({"classification": N_("classification"), "regression": N_("regression")})
#: a network file's loss that does not fit the data's task (whole sentences: the task is a word in them)
TASK_MISFIT = MappingProxyType(
    {
        "classification": N_("the file's loss {loss} does not fit this classification data (choose from {choices})"),
        "regression": N_("the file's loss {loss} does not fit this regression data (choose from {choices})"),
    }
)


@dataclass(frozen=True)
class Table:
    """A CSV file as text: ``header`` (n_cols,) and ``rows`` (n_rows, n_cols) of stripped strings."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    #: spreadsheet row number of each data row (blank lines are skipped but still counted)
    row_numbers: tuple[int, ...]

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    @property
    def n_cols(self) -> int:
        return len(self.header)

    def column(self, name: str) -> list[str]:
        """The cells of the column called ``name``."""
        j = self._index(name)
        return [row[j] for row in self.rows]

    def _index(self, name: str) -> int:
        try:
            return self.header.index(name)
        except ValueError:
            shown = ", ".join(quoted(h, 40) for h in self.header[:10]) + (", …" if self.n_cols > 10 else "")
            raise ValueError(
                _("there is no column called {name}; the columns are {columns}").format(
                    name=quoted(name), columns=shown
                )
            ) from None


# ---------------------------------------------------------------------------
# Reading the file.


def read_csv(data: bytes) -> Table:
    """Parse CSV bytes (UTF-8, with or without a byte-order mark) into a :class:`Table`.

    The delimiter is the one of ``, ; tab`` seen most often in the first line.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(
            _("The file is {size} MB; the limit is {limit} MB.").format(
                size=f"{len(data) / 1e6:.1f}", limit=f"{MAX_FILE_BYTES / 1e6:.0f}"
            )
        )
    text = _decode(data)
    if not text.strip():
        raise ValueError(_("The file is empty."))
    if "\x00" in text:
        raise ValueError(
            _("The file contains NUL bytes: it is not a CSV text file (is it a spreadsheet? save it as CSV).")
        )
    first = text.lstrip().splitlines()[0]
    delimiter = max(DELIMITERS, key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: tuple[str, ...] | None = None
    rows: list[tuple[str, ...]] = []
    numbers: list[int] = []
    try:
        for line_no, raw in enumerate(reader, start=1):
            cells = tuple(c.strip() for c in raw)
            if not any(cells):
                continue  # a blank line
            if header is None:
                header = _check_header(cells, line_no)
                continue
            if len(cells) != len(header):
                raise ValueError(
                    _(
                        "Row {row} has {cells} cells but the header has {columns} columns. "
                        "Every row needs one cell per column (check for a missing or extra comma)."
                    ).format(row=line_no, cells=len(cells), columns=len(header))
                )
            if len(rows) == MAX_ROWS:
                raise ValueError(
                    _("The file has more than {limit} data rows; the limit is {limit}.").format(limit=f"{MAX_ROWS:,}")
                )
            rows.append(cells)
            numbers.append(line_no)
    except csv.Error as exc:
        raise ValueError(
            _("Could not read the file as CSV (row {row}: {problem}).").format(row=reader.line_num, problem=exc)
        ) from None
    assert header is not None  # the text is not blank, so some row has a cell
    if not rows:
        raise ValueError(_("The file has a header row but no data rows."))
    if len(rows) < MIN_ROWS:
        raise ValueError(
            _("The file has a single data row (row {row}); training needs at least {n} rows.").format(
                row=numbers[0], n=MIN_ROWS
            )
        )
    return Table(header, tuple(rows), tuple(numbers))


def _decode(data: bytes) -> str:
    # utf-8-sig reads plain UTF-8 too, and drops the byte-order mark Excel writes.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValueError(
            _(
                "The file is not UTF-8 text (byte {byte} on line {line} cannot be read). "
                "Save it as UTF-8 (in Excel: 'CSV UTF-8'; in LibreOffice: character set 'Unicode (UTF-8)') "
                "and upload it again."
            ).format(byte=f"0x{data[exc.start]:02x}", line=line)
        ) from None


def _check_header(cells: tuple[str, ...], line_no: int) -> tuple[str, ...]:
    if len(cells) > MAX_COLUMNS:
        raise ValueError(
            _("The file has {n} columns; the limit is {limit}.").format(n=len(cells), limit=MAX_COLUMNS)
        )
    if all(_number(c) is not None for c in cells):
        raise ValueError(
            _(
                "The first row ({cells}) is all numbers: the file needs a header row naming the columns, "
                "e.g. 'hours,sleep,score'. Add one and upload again."
            ).format(cells=", ".join(shorten(c, 20) for c in cells[:5]) + (", …" if len(cells) > 5 else ""))
        )
    # A spreadsheet's index column often has an empty name: call it by its position.
    # (English, like the file's own names: it is a name the visitor's file gives the column, used in links)
    names = tuple(c or f"column {j + 1}" for j, c in enumerate(cells))
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(
                _("Two columns are called {name} in the header (row {row}); rename one.").format(
                    name=quoted(name), row=line_no
                )
            )
        seen.add(name)
    return names


def _number(cell: str) -> float | None:
    """The finite number a cell holds, or None."""
    try:
        v = float(cell)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def is_missing(cell: str) -> bool:
    return cell.strip().lower() in MISSING


# ---------------------------------------------------------------------------
# Columns → arrays.


def numeric_column(table: Table, name: str) -> np.ndarray:
    """The column ``name`` as floats, (n_rows,); ValueError naming the first bad cell."""
    out = np.empty(table.n_rows)
    for i, cell in enumerate(table.column(name)):
        if is_missing(cell):
            raise ValueError(
                _("Row {row}, column {column}: missing value ({cell}). Fill it in or delete the row.").format(
                    row=table.row_numbers[i], column=quoted(name), cell=_("an empty cell") if not cell else quoted(cell)
                )
            )
        v = _number(cell)
        if v is None:
            message = (
                N_("Row {row}, column {column}: {cell} is not a number (an input column must hold numbers only, "
                   "finite ones).")
                if _is_float(cell)  # inf, nan
                else N_("Row {row}, column {column}: {cell} is not a number (an input column must hold numbers only).")
            )
            raise ValueError(_(message).format(row=table.row_numbers[i], column=quoted(name), cell=quoted(cell)))
        out[i] = v
    return out


def _is_float(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def detect_task(column: Sequence[str]) -> str:
    """Whether a target column holds class labels ("classification") or amounts ("regression").

    Labels are any column with a non-numeric cell (e.g. "yes"/"no"), or whole
    numbers with 2 … AUTO_MAX_CLASSES distinct values, each seen twice on
    average (0/1 labels; a column of 3 different scores is a regression target).
    """
    cells = [c for c in column if not is_missing(c)]
    values = [_number(c) for c in cells]
    if any(v is None for v in values):
        return "classification"
    distinct = set(values)
    if (
        all(float(v).is_integer() for v in values)
        and len(distinct) <= AUTO_MAX_CLASSES
        and 2 * len(distinct) <= len(values)
    ):
        return "classification"
    return "regression"


def build_dataset(
    table: Table,
    inputs: Sequence[str],
    target: str,
    task: str = "auto",
    scaling: str = "max",
    name: str = "your data",
) -> Dataset:
    """The chosen columns as a :class:`Dataset`: X (n, len(inputs)) scaled; Y (n, 1) or one-hot (n, classes)."""
    inputs = list(inputs)
    if task not in TASKS:
        raise ValueError(_("task must be one of {choices}, not {value}").format(choices=TASKS, value=quoted(task)))
    if scaling not in SCALINGS:
        raise ValueError(
            _("scaling must be one of {choices}, not {value}").format(choices=SCALINGS, value=quoted(scaling))
        )
    if not inputs:
        raise ValueError(_("Choose at least one input column."))
    for col in [*inputs, target]:
        table._index(col)
    if target in inputs:
        raise ValueError(_("The target column {name} cannot also be an input column.").format(name=quoted(target)))
    if len(set(inputs)) != len(inputs):
        raise ValueError(_("An input column is chosen twice."))
    if task == "auto":
        task = detect_task(table.column(target))

    columns, input_names, notes = [], [], []
    for col in inputs:
        x = numeric_column(table, col)
        scaled, label, note = _scale(x, col, scaling)
        columns.append(scaled)
        input_names.append(label)
        notes.append(note)
    X = np.stack(columns, axis=1)

    if task == "classification":
        Y, labels, output_names = _classes(table, target)
        note = _("Inputs: {inputs}. Target {name}: {n} classes, one-hot.").format(
            inputs="; ".join(notes), name=quoted(target), n=len(output_names)
        )
    else:
        Y, output_names, target_note = _regression_target(table, target)
        labels = None
        note = _("Inputs: {inputs}. {target}").format(inputs="; ".join(notes), target=target_note)
    for arr in (X, Y, labels):
        if arr is not None:
            arr.setflags(write=False)
    return Dataset(name, X, Y, task, tuple(input_names), tuple(output_names), labels, note)


def _scale(x: np.ndarray, col: str, scaling: str) -> tuple[np.ndarray, str, str]:
    """(scaled column, its name as the network sees it, the transform in words)."""
    if scaling == "max":
        m = float(np.max(np.abs(x)))
        if m == 0:
            raise ValueError(
                _(
                    "Column {name} is 0 in every row: dividing by its maximum would divide by zero. "
                    "Leave it out, or choose scaling 'none'."
                ).format(name=quoted(col))
            )
        return x / m, f"{col} / {m:g}", f"{col} / {m:g}"
    if scaling == "standardise":
        mu, sd = float(np.mean(x)), float(np.std(x))
        if sd == 0:
            raise ValueError(
                _(
                    "Column {name} has the same value ({value}) in every row: standardising divides by its "
                    "standard deviation, which is 0. Leave the column out (it carries no information)."
                ).format(name=quoted(col), value=f"{x[0]:g}")
            )
        return (x - mu) / sd, f"({col} − {mu:.4g}) / {sd:.4g}", f"({col} − {mu:.6g}) / {sd:.6g}"
    return x.copy(), col, _("{name} unscaled").format(name=col)


def _classes(table: Table, target: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    cells = table.column(target)
    for i, cell in enumerate(cells):
        if is_missing(cell):
            raise ValueError(
                _("Row {row}, column {column}: missing class label ({cell}). Fill it in or delete the row.").format(
                    row=table.row_numbers[i],
                    column=quoted(target),
                    cell=_("an empty cell") if not cell else quoted(cell),
                )
            )
    values = [_number(c) for c in cells]
    if all(v is not None for v in values):
        # Numeric labels: "1" and "1.0" are the same class, sorted by value.
        keys = values
        classes = sorted(set(values))
        names = [f"{v:g}" for v in classes]
    else:
        keys = cells
        classes = sorted(set(cells))
        names = list(classes)
    if len(classes) < 2:
        raise ValueError(
            _("The target column {name} has only one class ({value}): a classifier needs at least two.").format(
                name=quoted(target), value=quoted(names[0])
            )
        )
    if len(classes) > MAX_CLASSES:
        raise ValueError(
            _(
                "The target column {name} has {n} different values; classification allows at most "
                "{limit} classes. Is it a regression target?"
            ).format(name=quoted(target), n=len(classes), limit=MAX_CLASSES)
        )
    index = {c: i for i, c in enumerate(classes)}
    labels = np.array([index[k] for k in keys], dtype=int)
    class_name = _("class {index}")  # the figures' word for a class (nnviz.figures.decision_boundary)
    return np.eye(len(classes))[labels], labels, [class_name.format(index=n) for n in names]


def _regression_target(table: Table, target: str) -> tuple[np.ndarray, list[str], str]:
    y = numeric_column(table, target)
    lo, hi = float(y.min()), float(y.max())
    if lo == hi:
        raise ValueError(
            _("The target column {name} is {value} in every row: there is nothing to learn.").format(
                name=quoted(target), value=f"{lo:g}"
            )
        )
    if lo >= 0:
        scaled = y / hi
        name = f"{target} / {hi:g}"
        note = _(
            "Target {name} divided by its maximum {max}, into [0, 1] where a sigmoid output reaches: "
            "a prediction p means {column} = p × {max}."
        ).format(name=quoted(target), column=target, max=f"{hi:g}")
    else:
        scaled = (y - lo) / (hi - lo)
        name = f"({target} − {lo:g}) / {hi - lo:g}"
        note = _(
            "Target {name} min-max scaled into [0, 1] (min {min}, max {max}): "
            "a prediction p means {column} = {min} + p × {range}."
        ).format(name=quoted(target), column=target, min=f"{lo:g}", max=f"{hi:g}", range=f"{hi - lo:g}")
    return scaled.reshape(-1, 1), [name], note


# ---------------------------------------------------------------------------
# Sample files for the page's download buttons.


def sample_csv(which: str = "toy") -> str:
    """A small CSV to try the upload with: an example's table (``stepper.EXAMPLES[which].sample``), such as
    the toy classification (seed 004) or study hours (seed 003)."""
    entry = stepper.EXAMPLES.get(which) if isinstance(which, str) else None
    if entry is None or entry.sample is None:
        raise ValueError(_("no sample called {name}").format(name=quoted(which)))
    header, rows = entry.sample.table()
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


# ---------------------------------------------------------------------------
# A shared network file (Network.to_json) → a run on a page's data.


@dataclass(frozen=True)
class LoadedNetwork:
    """A network file's network, the run configuration it fits, and what was restored from it."""

    network: Network
    config: Config
    learning_rate: float | None
    updates: int | None  # how many updates its author had applied, when the file says
    restored: tuple[str, ...]  # the training settings taken from the file
    optimizer_state: object | None = None  # the file's nnviz.optim.OptimizerState, when it fits


def load_network(
    data: bytes | str,
    current: Config,
    dataset: Dataset,
    losses: Sequence[str],
    output_activations: Sequence[str],
) -> LoadedNetwork:
    """Read a network file and check that it fits the page: ``dataset``'s input and output sizes,
    the page's layer limits, activations and ``losses``. Training settings the file holds (loss,
    initialiser, seed, batch, shuffle, learning rate) replace ``current``'s when they are valid here.

    ValueError names the problem: :meth:`Network.from_json`'s message for a bad file, or why it does not fit.
    """
    net = Network.from_json(data)
    extra = json.loads(data)  # valid JSON holding an object: from_json checked it
    settings = extra.get("config") if isinstance(extra.get("config"), dict) else {}
    restored: list[str] = []
    if stepper.EXAMPLES[current.example].data_settings:  # the file's data settings make the data it must fit
        current, what = _playground_settings(current, settings)
        if what:
            dataset = stepper.playground_data(current)[0]
            restored += what
    sizes, acts = net.sizes, list(net.activations)
    hidden = sizes[1:-1]
    if sizes[0] != dataset.n_in:
        raise ValueError(
            ngettext(
                "the network takes {n} input but this data set has {has} ({names})",
                "the network takes {n} inputs but this data set has {has} ({names})",
                sizes[0],
            ).format(n=sizes[0], has=dataset.n_in, names=", ".join(dataset.input_names))
        )
    if sizes[-1] != dataset.n_out:
        targets = ngettext("{n} target", "{n} targets", dataset.n_out).format(n=dataset.n_out)
        raise ValueError(
            ngettext(
                "the network has {n} output but this data set has {targets} ({names})",
                "the network has {n} outputs but this data set has {targets} ({names})",
                sizes[-1],
            ).format(n=sizes[-1], targets=targets, names=", ".join(dataset.output_names))
        )
    if not 1 <= len(hidden) <= stepper.MAX_HIDDEN_LAYERS:
        raise ValueError(
            _("this page shows networks with 1 to {max} hidden layers; the file has {n}").format(
                max=stepper.MAX_HIDDEN_LAYERS, n=len(hidden)
            )
        )
    if max(hidden) > stepper.MAX_NEURONS:
        raise ValueError(
            _("this page shows up to {max} neurons per hidden layer; the file has {sizes}").format(
                max=stepper.MAX_NEURONS, sizes=hidden
            )
        )
    for l, a in enumerate(acts[:-1], start=1):
        if a not in stepper.HIDDEN_ACTIVATIONS:
            raise ValueError(
                _("hidden layer {layer} uses {activation}, which this page does not offer").format(
                    layer=l, activation=a
                )
            )
    if acts[-1] not in output_activations:
        raise ValueError(
            _("the output layer uses {activation}; this page offers {choices}").format(
                activation=acts[-1], choices=", ".join(output_activations)
            )
        )

    loss = extra.get("loss")
    if loss is not None:
        if loss not in losses:
            raise ValueError(
                _(TASK_MISFIT[dataset.task]).format(loss=quoted(loss), choices=list(losses))
            )
        net.check_loss(loss)
        restored.append(_("loss {name}").format(name=loss))
    else:
        fits = current.loss in losses and LOSSES[current.loss].requires in (None, acts[-1])
        loss = current.loss if fits else "half_sse"

    cfg = replace(current, hidden=tuple(hidden), activations=tuple(acts), loss=loss, bias_mode=net.bias_mode)
    if settings.get("init") in stepper.INITIALISERS:
        cfg = replace(cfg, init=settings["init"])
    if _is_int(settings.get("seed")) and 0 <= settings["seed"] < 2**31:
        cfg = replace(cfg, seed=settings["seed"])
        restored.append(_("seed {seed}").format(seed=cfg.seed))
    batch = settings.get("batch")
    if batch == "full" or (isinstance(batch, str) and batch.isdigit() and 1 <= int(batch) <= dataset.n_samples):
        cfg = replace(cfg, batch=batch if batch == "full" else str(int(batch)))
        restored.append(_("batch {batch}").format(batch=cfg.batch))
    if isinstance(settings.get("shuffle"), bool):
        cfg = replace(cfg, shuffle=settings["shuffle"])
    cfg, what = _training_settings(cfg, settings)
    restored += what
    cfg.validate()
    opt_state = None
    raw_state = extra.get("optimizer_state")
    if raw_state is not None:
        from nnviz.optim import OptimizerState

        state = OptimizerState.from_dict(raw_state, net)  # ValueError names the problem
        if state.name != cfg.optimizer:
            raise ValueError(
                _("the file's optimiser state is {state}'s but its settings say {optimizer}").format(
                    state=state.name, optimizer=cfg.optimizer
                )
            )
        opt_state = state
        restored.append(_("{optimizer} state after {n} steps").format(optimizer=state.name, n=state.step))

    lr = extra.get("learning_rate")
    if isinstance(lr, int | float) and not isinstance(lr, bool) and math.isfinite(lr) and 0 < lr <= 100:
        lr = min(stepper.learning_rates(cfg, dataset.n_samples), key=lambda v: abs(math.log(v) - math.log(lr)))
        restored.append(_("learning rate {rate}").format(rate=f"{lr:g}"))
    else:
        lr = None
    updates = extra.get("updates") if _is_int(extra.get("updates")) else None
    return LoadedNetwork(net, cfg, lr, updates, tuple(restored), opt_state)


def _training_settings(cfg: Config, settings: dict) -> tuple[Config, list[str]]:
    """``cfg`` with the file's regulariser and optimiser when they are valid (else ``cfg``'s own)."""
    restored = []
    reg, rate = settings.get("regularization"), settings.get("regularization_rate")
    if isinstance(reg, str) and isinstance(rate, int | float) and not isinstance(rate, bool):
        trial = replace(cfg, regularization=reg, regularization_rate=float(rate))
        if _valid(trial):
            cfg = trial
            if reg != "none":
                restored.append(
                    _("{regularizer} regularization, rate {rate}").format(regularizer=reg, rate=f"{float(rate):g}")
                )
    name, hyper = settings.get("optimizer"), settings.get("opt_hyper")
    if isinstance(name, str) and isinstance(hyper, list):
        try:
            pairs = tuple(sorted((str(k), float(v)) for k, v in hyper))
        except (TypeError, ValueError):
            pairs = None
        trial = None if pairs is None else replace(cfg, optimizer=name, opt_hyper=pairs)
        if trial is not None and _valid(trial):
            cfg = trial
            if name != "sgd":
                restored.append(_("optimizer {name}").format(name=name))
    return cfg, restored


def _playground_settings(cfg: Config, settings: dict) -> tuple[Config, list[str]]:
    """``cfg`` with the file's playground data settings when they are all valid."""
    fields = ("dataset", "noise", "train_percent", "data_seed", "features")
    if not all(f in settings for f in fields):
        return cfg, []
    feats = settings["features"]
    if not (isinstance(feats, list) and all(isinstance(f, str) for f in feats)):
        return cfg, []
    trial = replace(cfg, **{f: settings[f] for f in fields[:-1]}, features=tuple(feats))
    if not _valid(trial):
        return cfg, []
    what = _("data {dataset}, noise {noise} %, {train} % training, data seed {seed}").format(
        dataset=trial.dataset, noise=trial.noise, train=trial.train_percent, seed=trial.data_seed
    )
    return trial, [what, _("features {names}").format(names=", ".join(trial.features))]


def _valid(cfg: Config) -> bool:
    try:
        cfg.validate()
    except (ValueError, TypeError):
        return False
    return True


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)
