"""Your data: upload a CSV, choose the columns, then step through training on it.

Widgets only; parsing and scaling are :mod:`nnviz.userdata`, the step-through is
:func:`nnviz.pages.stepper_page.render` for the example ``"custom"``. A bad file
shows its message and leaves the data and run already in use untouched.

Everything from the file (its name, column names, cells inside messages) reaches Markdown
through :func:`nnviz.safe_text.markdown`, so it shows as text, never as a link or an image.
"""

from __future__ import annotations

from types import MappingProxyType

import streamlit as st

from nnviz import state, stepper, userdata
from nnviz.pages import stepper_page
from nnviz.safe_text import markdown as md
from nnviz.safe_text import shorten

PREVIEW_ROWS = 20
SCALING_LABELS = MappingProxyType(
    {
        "max": "divide by column max (as seed 003)",
        "standardise": "standardise (mean 0, std 1)",
        "none": "none",
    }
)
TASK_LABELS = ("classification", "regression")
#: session-state keys of this page (the step-through below uses state.key("custom", …))
TABLE = "data_table"  # (file_id, Table | None, error message | None) of the file in the uploader
INPUTS, TARGET, TASK, SCALING = "data_inputs", "data_target", "data_task", "data_scaling"
NOTE = "data_note"  # (kind, text) of the last "Use this data" click, shown until the file changes


def render() -> None:
    st.title("Your data")
    st.markdown(
        "Upload a CSV file with a header row, choose the input columns and the column to predict, and step "
        "through training exactly as on the other pages (two inputs and a class label also get the "
        f"decision-boundary view). Limits: {userdata.MAX_ROWS:,} rows, {userdata.MAX_COLUMNS} columns, "
        f"{userdata.MAX_FILE_BYTES / 1e6:.0f} MB, UTF-8 text. Your file stays in your browser session only."
    )
    _samples()
    up = st.file_uploader("CSV file", type=["csv", "txt", "tsv"], key="data_upload")
    table = _parsed_table(up)
    if table is not None:
        _choose_and_use(table, up.name)
    data = st.session_state.get(state.CUSTOM_DATA)
    if data is None:
        st.info("No data in use yet: upload a file (or a sample above), choose columns, then **Use this data**.")
        return
    st.divider()
    st.header(f"Training on {md(data.name, limit=80)}")
    st.caption(
        md(
            f"{data.n_samples} rows · inputs: {', '.join(data.input_names)} · {data.task} · "
            f"outputs: {', '.join(data.output_names)}. {data.note}",
            limit=2000,
        )
    )
    stepper_page.render("custom", show_title=False)


def _samples() -> None:
    cols = st.columns([1, 1, 2])
    for col, (name, label, file_name) in zip(
        cols,
        (("toy", "toy classification", "nnviz-toy.csv"), ("study", "study hours", "nnviz-study-hours.csv")),
    ):
        col.download_button(
            f"Sample: {label} (CSV)",
            userdata.sample_csv(name),
            file_name=file_name,
            mime="text/csv",
            key=f"data_sample_{name}",
        )


def _parsed_table(up) -> userdata.Table | None:
    """The uploaded file's table, parsed once per file; its error is shown on every rerun while it is there."""
    ss = st.session_state
    if up is None:
        ss.pop(TABLE, None)
        ss.pop(NOTE, None)
        return None
    cached = ss.get(TABLE)
    if cached is None or cached[0] != up.file_id:
        try:
            table, error = userdata.read_csv(up.getvalue()), None
        except ValueError as exc:
            table, error = None, str(exc)
        ss[TABLE] = cached = (up.file_id, table, error)
        ss.pop(NOTE, None)
        if table is not None:
            _default_choices(table)
    _, table, error = cached
    if error is not None:
        kept = " The data and run you had are kept." if ss.get(state.CUSTOM_DATA) is not None else ""
        st.error(md(f"{shorten(up.name, 80)}: {error}{kept}", limit=None))
    return table


def _default_choices(table: userdata.Table) -> None:
    """A new file: predict its last column from all the others."""
    ss = st.session_state
    ss[TARGET] = table.header[-1]
    ss[INPUTS] = list(table.header[:-1])
    ss[TASK] = userdata.detect_task(table.column(table.header[-1]))
    ss.setdefault(SCALING, "max")


def _on_target_change() -> None:
    table = st.session_state[TABLE][1]
    st.session_state[TASK] = userdata.detect_task(table.column(st.session_state[TARGET]))


def _choose_and_use(table: userdata.Table, file_name: str) -> None:
    ss = st.session_state
    st.dataframe(
        {name: table.column(name)[:PREVIEW_ROWS] for name in table.header},
        hide_index=True,
        key="data_preview",
    )
    st.caption(
        f"{table.n_rows} rows × {table.n_cols} columns"
        + (f" (first {PREVIEW_ROWS} shown)." if table.n_rows > PREVIEW_ROWS else ".")
    )
    c1, c2 = st.columns([1, 2])
    target = c1.selectbox("Target column (what to predict)", table.header, key=TARGET, on_change=_on_target_change)
    options = [h for h in table.header if h != target]
    # The target may have just been one of the inputs: drop it before the widget is drawn.
    ss[INPUTS] = [c for c in ss.get(INPUTS, []) if c in options]
    inputs = c2.multiselect("Input columns", options, key=INPUTS)
    c3, c4 = st.columns(2)
    detected = userdata.detect_task(table.column(target))
    task = c3.radio(f"Task (detected: {detected})", TASK_LABELS, key=TASK, horizontal=True)
    scaling = c4.radio("Input scaling", userdata.SCALINGS, key=SCALING, format_func=SCALING_LABELS.get, horizontal=True)
    clicked = st.button("Use this data", key="data_use", type="primary")
    # One slot, drawn on every run, for the last click's outcome: it stays up (a player rerun a moment
    # later would otherwise drop it and shift everything below it by one element).
    note = st.container()
    if not clicked:
        if ss.get(NOTE):
            getattr(note, ss[NOTE][0])(ss[NOTE][1])
        return
    try:
        data = userdata.build_dataset(table, inputs, target, task, scaling, name=shorten(file_name, 80))
    except ValueError as exc:
        kept = " The data and run you had are kept." if ss.get(state.CUSTOM_DATA) is not None else ""
        ss[NOTE] = ("error", md(f"{exc}{kept}", limit=None))
        note.error(ss[NOTE][1])
        return
    ss[state.CUSTOM_DATA] = data
    # A shared link cannot carry the data, so its settings are not for this new data set.
    ss[state.key("custom", "url_restored")] = True
    # The step-through widgets below are not drawn yet in this run, so they can take the new defaults.
    state.apply_config("custom", stepper.default_config("custom", data), data)
    ss[state.key("custom", "lr")] = stepper.default_learning_rate("custom")
    inputs_text = f"{data.n_in} input" + ("s" if data.n_in != 1 else "")
    text = f"Now training on {shorten(file_name, 80)}: {data.n_samples} rows, {inputs_text}, {data.task}."
    ss[NOTE] = ("success", md(text))
    note.success(ss[NOTE][1])
