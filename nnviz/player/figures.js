// nnviz figures element (Streamlit Components v2): one Plotly figure whose spec the server sends
// (Python builds every figure), with an optional line above it ("head") and a caption below ("note").
// A rerun that changes the figure updates it in place with Plotly.react, which changes only what
// differs (Streamlit's st.plotly_chart draws a changed figure anew: ~2,000 DOM changes for ten bars,
// most of a Teach it click's time in the browser).
//
// Shown ahead ("next"): the server may also send the view a click of the button ``next_on`` (a CSS
// selector) will lead to, computed by the same code that handles the click. The click shows it at
// once, without waiting for the server; the server's answer then arrives with that same view (it is
// not drawn again: root.dataset.preview becomes "confirmed") or, if anything differed, with its own,
// which replaces it ("corrected"). It is shown only when the page's numbers are those the view was
// computed from: no script run in progress, and every ``next_guard`` [selector, value] input still
// holds the value the server saw (a typed learning rate not yet sent would change the step).

const IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]';

function setText(el, text, kind) {
  el.textContent = text || "";
  el.hidden = !text;
  el.className = el.className.replace(/ is-caption/g, "") + (kind === "caption" ? " is-caption" : "");
}

function guardsHold(guards) {
  return (guards || []).every(([selector, value]) => {
    const input = document.querySelector(selector);
    return !input || input.value === value;
  });
}

export default function (component) {
  const { parentElement } = component;
  const data = typeof component.data === "string" ? JSON.parse(component.data) : component.data;
  const root = parentElement.querySelector(".nnviz-figure");
  const head = parentElement.querySelector(".nnviz-figure-head");
  const note = parentElement.querySelector(".nnviz-figure-note");
  const state = parentElement.__nnvizFigure || (parentElement.__nnvizFigure = { shown: null, preview: false });
  root.dataset.fig = data.name || "";

  const show = (view) => {
    const key = JSON.stringify(view);
    if (key === state.shown) return false;
    state.shown = key;
    setText(head, view.head, view.head_kind);
    setText(note, view.note, "caption");
    const fig = view.fig;
    root.hidden = !fig;
    if (!fig) return true;
    root.style.height = `${Number(fig.layout.height) || 300}px`;
    loadPlotly(data.plotly, data.text).then((Plotly) => {
      if (state.shown !== key) return; // a newer view came first
      const layout = themed(root, Object.assign({}, fig.layout, { autosize: true }));
      Plotly.react(root, themedData(root, fig.data), layout, PLOT_CONFIG);
    }).catch((err) => { head.hidden = false; head.textContent = String(err); });
    return true;
  };

  const current = { fig: data.fig || null, head: data.head || null, head_kind: data.head_kind || null, note: data.note || null };
  const drawn = show(current);
  if (state.preview) { // the server's answer to the click that showed the next view
    state.preview = false;
    root.dataset.preview = drawn ? "corrected" : "confirmed";
  }

  if (state.listener) document.removeEventListener("click", state.listener);
  state.listener = null;
  const next = data.next;
  if (next && data.next_on) {
    const view = { fig: next.fig || null, head: next.head || null, head_kind: next.head_kind || null, note: next.note || null };
    state.listener = (ev) => {
      const button = ev.target instanceof Element ? ev.target.closest(data.next_on) : null;
      if (!button || button.disabled) return;
      document.removeEventListener("click", state.listener); // once: a second click waits for the server
      state.listener = null;
      if (!document.querySelector(IDLE) || !guardsHold(data.next_guard)) return;
      state.preview = true;
      root.dataset.preview = "shown";
      show(view);
    };
    document.addEventListener("click", state.listener);
  }
  return () => { if (state.listener) document.removeEventListener("click", state.listener); };
}
