"""Your data: upload a CSV, choose the columns, then step through training on it.

Widgets only; parsing and scaling are :mod:`nnviz.userdata`, the step-through is
:func:`nnviz.pages.stepper_page.render` for the example ``"custom"``. A bad file
shows its message and leaves the data and run already in use untouched.

Everything from the file (its name, column names, cells inside messages) reaches Markdown
through :func:`nnviz.safe_text.markdown`, so it shows as text, never as a link or an image.

The page speaks the session's language (:mod:`nnviz.i18n`). What it keeps across runs is
kept with its language: a file's parse error is redone when the language changes (parsing is
bounded by the upload limits), and the last "Use this data" outcome is kept with its choices and
written again in the new language. A data set's own note (its scaling, in :mod:`nnviz.userdata`)
is written when **Use this data** is clicked, in that moment's language.
"""

from __future__ import annotations

from types import MappingProxyType

import streamlit as st

from nnviz import i18n, state, stepper, userdata
from nnviz.i18n import N_, _, ngettext
from nnviz.pages import stepper_page
from nnviz.safe_text import markdown as md
from nnviz.safe_text import shorten

PREVIEW_ROWS = 20
SCALING_LABELS = MappingProxyType(
    {
        "max": N_("divide by column max (as seed 003)"),
        "standardise": N_("standardise (mean 0, std 1)"),
        "none": N_("none"),
    }
)
TASK_LABELS = ("classification", "regression")  # the radio's values; userdata.TASK_NAMES says them


def samples() -> tuple[tuple[str, str, str], ...]:
    """The sample buttons, (example, label msgid, file name): every ``stepper.EXAMPLES`` entry with a
    sample, in the order of their ``Sample.order``."""
    entries = [(e.sample.order, key, e.sample) for key, e in stepper.EXAMPLES.items() if e.sample is not None]
    return tuple((key, s.label, s.file_name) for _order, key, s in sorted(entries, key=lambda t: t[0]))


#: the example this page draws below the upload (its registry entry: stepper.EXAMPLES["custom"])
EXAMPLE = "custom"
#: session-state keys of this page (the step-through below uses state.key(EXAMPLE, …))
TABLE = "data_table"  # (file_id, language, Table | None, error message | None) of the file in the uploader
INPUTS, TARGET, TASK, SCALING = "data_inputs", "data_target", "data_task", "data_scaling"
#: the last "Use this data" click, shown until the file changes: (kind, choices, language, Markdown text) with
#: kind "success" or "error" and the choices (inputs, target, task, scaling); written again in a new language
NOTE = "data_note"


def task_name(task: str, tl=None) -> str:
    """A task identifier ("classification") in the session's language (or in the catalogue ``tl``)."""
    tl = i18n.translator() if tl is None else tl
    return tl.gettext(userdata.TASK_NAMES[task]) if task in userdata.TASK_NAMES else task


def render() -> None:
    st.title(_(stepper.EXAMPLES[EXAMPLE].label))  # "Your data"
    st.markdown(
        _(
            "Upload a CSV file with a header row, choose the input columns and the column to predict, and step "
            "through training exactly as on the other pages (two inputs and a class label also get the "
            "decision-boundary view). Limits: {rows} rows, {columns} columns, {mb} MB, UTF-8 text. Your file "
            "stays in your browser session only."
        ).format(
            rows=f"{userdata.MAX_ROWS:,}", columns=userdata.MAX_COLUMNS, mb=f"{userdata.MAX_FILE_BYTES / 1e6:.0f}"
        )
    )
    _samples()
    up = st.file_uploader(_("CSV file"), type=["csv", "txt", "tsv"], key="data_upload")
    table = _parsed_table(up)
    if table is not None:
        _choose_and_use(table, up.name)
    data = st.session_state.get(state.CUSTOM_DATA)
    if data is None:
        st.info(_("No data in use yet: upload a file (or a sample above), choose columns, then **Use this data**."))
        return
    st.divider()
    st.header(_("Training on {name}").format(name=md(data.name, limit=80)))
    st.caption(
        md(
            _("{rows} rows · inputs: {inputs} · {task} · outputs: {outputs}. {note}").format(
                rows=data.n_samples,
                inputs=", ".join(data.input_names),
                task=task_name(data.task),
                outputs=", ".join(data.output_names),
                note=data.note,
            ),
            limit=2000,
        )
    )
    stepper_page.render(EXAMPLE, show_title=False)


def _kept(message: str) -> str:
    """``message``, and that the data in use stays when there is some."""
    if st.session_state.get(state.CUSTOM_DATA) is None:
        return message
    return _("{message} The data and run you had are kept.").format(message=message)


def _samples() -> None:
    buttons = samples()
    cols = st.columns([1] * len(buttons) + [2])
    for col, (name, label, file_name) in zip(cols, buttons):
        col.download_button(
            _(label),
            userdata.sample_csv(name),
            file_name=file_name,
            mime="text/csv",
            key=f"data_sample_{name}",
        )


def _parsed_table(up) -> userdata.Table | None:
    """The uploaded file's table, parsed once per file (and language: the error is words); its error is shown
    on every rerun while it is there."""
    ss = st.session_state
    if up is None:
        ss.pop(TABLE, None)
        ss.pop(NOTE, None)
        return None
    cached = ss.get(TABLE)
    lang = i18n.current()
    if cached is None or cached[0] != up.file_id or (cached[3] is not None and cached[1] != lang):
        try:
            table, error = userdata.read_csv(up.getvalue()), None
        except ValueError as exc:
            table, error = None, str(exc)
        new_file = cached is None or cached[0] != up.file_id
        ss[TABLE] = cached = (up.file_id, lang, table, error)
        if new_file:
            ss.pop(NOTE, None)
            if table is not None:
                _default_choices(table)
    _file, _lang, table, error = cached
    if error is not None:
        st.error(md(_kept(_("{name}: {message}").format(name=shorten(up.name, 80), message=error)), limit=None))
    return table


def _default_choices(table: userdata.Table) -> None:
    """A new file: predict its last column from all the others."""
    ss = st.session_state
    ss[TARGET] = table.header[-1]
    ss[INPUTS] = list(table.header[:-1])
    ss[TASK] = userdata.detect_task(table.column(table.header[-1]))
    ss.setdefault(SCALING, "max")


def _on_target_change() -> None:
    table = st.session_state[TABLE][2]
    st.session_state[TASK] = userdata.detect_task(table.column(st.session_state[TARGET]))


def _choose_and_use(table: userdata.Table, file_name: str) -> None:
    ss = st.session_state
    st.dataframe(
        {name: table.column(name)[:PREVIEW_ROWS] for name in table.header},
        hide_index=True,
        key="data_preview",
    )
    size = dict(rows=table.n_rows, columns=table.n_cols)
    st.caption(
        _("{rows} rows × {columns} columns (first {n} shown).").format(**size, n=PREVIEW_ROWS)
        if table.n_rows > PREVIEW_ROWS
        else _("{rows} rows × {columns} columns.").format(**size)
    )
    c1, c2 = st.columns([1, 2])
    target = c1.selectbox(
        _("Target column (what to predict)"), table.header, key=TARGET, on_change=_on_target_change
    )
    options = [h for h in table.header if h != target]
    # The target may have just been one of the inputs: drop it before the widget is drawn.
    ss[INPUTS] = [c for c in ss.get(INPUTS, []) if c in options]
    inputs = c2.multiselect(_("Input columns"), options, key=INPUTS)
    c3, c4 = st.columns(2)
    detected = userdata.detect_task(table.column(target))
    # format_func with this run's catalogue: its words do not depend on when Streamlit calls it
    tl = i18n.translator()
    task = c3.radio(
        _("Task (detected: {task})").format(task=task_name(detected, tl)),
        TASK_LABELS,
        key=TASK,
        format_func=lambda v: task_name(v, tl),
        horizontal=True,
    )
    scaling = c4.radio(
        _("Input scaling"),
        userdata.SCALINGS,
        key=SCALING,
        format_func=lambda v: tl.gettext(SCALING_LABELS[v]),
        horizontal=True,
    )
    clicked = st.button(_("Use this data"), key="data_use", type="primary")
    # One slot, drawn on every run, for the last click's outcome: it stays up (a player rerun a moment
    # later would otherwise drop it and shift everything below it by one element).
    note = st.container()
    if not clicked:
        if ss.get(NOTE):
            _show_note(note, table, file_name)
        return
    try:
        data = userdata.build_dataset(table, inputs, target, task, scaling, name=shorten(file_name, 80))
    except ValueError as exc:
        ss[NOTE] = ("error", (tuple(inputs), target, task, scaling), i18n.current(), md(_kept(str(exc)), limit=None))
        note.error(ss[NOTE][3])
        return
    ss[state.CUSTOM_DATA] = data
    # A shared link cannot carry the data, so its settings are not for this new data set.
    ss[state.key(EXAMPLE, "url_restored")] = True
    # The step-through widgets below are not drawn yet in this run, so they can take the new defaults.
    state.apply_config(EXAMPLE, stepper.default_config(EXAMPLE, data), data)
    ss[state.key(EXAMPLE, "lr")] = stepper.default_learning_rate(EXAMPLE)
    ss[NOTE] = ("success", None, i18n.current(), _success_text(data, file_name))
    note.success(ss[NOTE][3])


def _success_text(data, file_name: str) -> str:
    return md(
        ngettext(
            "Now training on {name}: {rows} rows, {n} input, {task}.",
            "Now training on {name}: {rows} rows, {n} inputs, {task}.",
            data.n_in,
        ).format(name=shorten(file_name, 80), rows=data.n_samples, n=data.n_in, task=task_name(data.task))
    )


def _show_note(slot, table: userdata.Table, file_name: str) -> None:
    """The last click's outcome; after a language change written again in the new one (an error: the same
    choices are checked again, once, for the message's words)."""
    ss = st.session_state
    kind, choices, lang, text = ss[NOTE]
    if lang != i18n.current():
        data = ss.get(state.CUSTOM_DATA)
        if kind == "success" and data is not None:
            text = _success_text(data, file_name)
        elif kind == "error":
            try:
                userdata.build_dataset(table, *choices, name=shorten(file_name, 80))
            except ValueError as exc:
                text = md(_kept(str(exc)), limit=None)
        ss[NOTE] = (kind, choices, i18n.current(), text)
    getattr(slot, kind)(text)
