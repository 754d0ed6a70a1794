// nnviz figures element (Streamlit Components v2): one Plotly figure whose spec the server sends
// (Python builds every figure). A rerun that changes the figure updates it in place with
// Plotly.react, which changes only what differs (Streamlit's st.plotly_chart draws a changed
// figure anew: ~2,000 DOM changes for ten bars, most of a Teach it click's time in the browser).

export default function (component) {
  const { parentElement } = component;
  const data = typeof component.data === "string" ? JSON.parse(component.data) : component.data;
  const root = parentElement.querySelector(".nnviz-figure");
  const fig = data.fig || { data: [], layout: {} };
  root.style.height = `${Number(fig.layout.height) || 300}px`;
  root.dataset.fig = data.name || "";
  loadPlotly(data.plotly, data.text).then((Plotly) => {
    const layout = themed(root, Object.assign({}, fig.layout, { autosize: true }));
    Plotly.react(root, themedData(root, fig.data), layout, PLOT_CONFIG);
  }).catch((err) => { root.textContent = String(err); });
}
