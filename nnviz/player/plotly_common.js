// Shared by the player (player.js) and the figures element (figures.js); component.py puts this
// file before each. Plotly.js is loaded once per page from the server's static copy; figures follow
// Streamlit's light and dark themes.

const PLOTLY_KEY = "__nnvizPlotly";

// "{name}" fields of a (translated) text filled in
function fmt(text, fields) {
  return String(text || "").replace(/\{(\w+)\}/g, (m, name) => (name in fields ? String(fields[name]) : m));
}


function loadPlotly(url, T) {
  if (!window[PLOTLY_KEY]) {
    window[PLOTLY_KEY] = new Promise((resolve, reject) => {
      if (window.Plotly) return resolve(window.Plotly);
      const s = document.createElement("script");
      s.src = url;
      s.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error(fmt(T.plotly_missing, { url }))));
      s.onerror = () => { window[PLOTLY_KEY] = null; reject(new Error(fmt(T.plotly_failed, { url }))); };
      document.head.appendChild(s);
    });
  }
  return window[PLOTLY_KEY];
}

const PLOT_CONFIG = { displayModeBar: false, responsive: true };
// Streamlit's dark theme: the player sits in the page (no iframe), so its text colour is the
// theme's. On light text, figures get a transparent background, that text colour and faint grid
// lines (the specs are made for a white page); the colour scales of the data are unchanged.
function darkTheme(root) {
  const m = (getComputedStyle(root).color || "").match(/\d+(\.\d+)?/g);
  if (!m) return null;
  const lum = 0.299 * m[0] + 0.587 * m[1] + 0.114 * m[2];
  return lum > 140 ? { text: `rgb(${m[0]}, ${m[1]}, ${m[2]})`, grid: "rgba(250, 250, 250, 0.16)" } : null;
}

function themedData(root, data) {
  // number labels drawn in near-black beside the neurons take the theme's text colour
  const t = darkTheme(root);
  if (!t) return data;
  return data.map((tr) => (tr.textfont && tr.textfont.color === "#222222"
    ? Object.assign({}, tr, { textfont: Object.assign({}, tr.textfont, { color: t.text }) }) : tr));
}

function themed(root, layout) {
  const t = darkTheme(root);
  if (!t) return layout;
  const out = Object.assign({}, layout, {
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
    font: Object.assign({}, layout.font || {}, { color: t.text }),
  });
  for (const k of Object.keys(out)) {
    if (/^[xy]axis\d*$/.test(k)) out[k] = Object.assign({}, out[k], { gridcolor: t.grid, zerolinecolor: t.grid, linecolor: t.grid });
  }
  for (const k of ["xaxis", "yaxis"]) if (!out[k]) out[k] = { gridcolor: t.grid, zerolinecolor: t.grid };
  if (out.title && out.title.font) out.title = Object.assign({}, out.title, { font: Object.assign({}, out.title.font, { color: t.text }) });
  if (out.annotations) out.annotations = out.annotations.map((a) => Object.assign({}, a, { font: Object.assign({}, a.font || {}, { color: t.text }) }));
  return out;
}

