// nnviz step-through player (Streamlit Components v2). The server records steps and sends, per
// phase, figure specs (Plotly dicts), MathML and status text; this file only moves a cursor
// through what it was sent, hands specs to Plotly, and asks the server for what it lacks.
// No figure logic and no maths live here: every number comes from the engine's record.
//
// Cursor (k, p), as nnviz.stepper.Run: k updates applied before the step on screen;
// p = -1 idle (nothing of step k+1 computed), 0 … P-1 a phase of step k+1.

// an unanswered request is sent again after RETRY_MS, at most RETRIES times (see st.transmit)
const RETRY_MS = 3000;
const RETRIES = 2;
// requests waiting for the server's acknowledgement at most (the oldest are dropped beyond)
const OUTBOX_MAX = 16;

function el(tag, attrs = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.appendChild(c);
  return e;
}

const SVG_NS = "http://www.w3.org/2000/svg";

function svgOverlay() {
  // The star (network on screen) and the −∇L arrow over the loss-surface contour, placed with the
  // plot's own axis mapping: moving them redraws nothing (a Plotly restyle of the contour costs ~60 ms).
  const mk = (tag, attrs) => { const e = document.createElementNS(SVG_NS, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); return e; };
  const svg = mk("svg", { class: "overlay", "aria-hidden": "true" });
  const defs = mk("defs", {});
  const head = mk("marker", { id: "nnviz-arrowhead", viewBox: "0 0 10 10", refX: "8", refY: "5", markerWidth: "6", markerHeight: "6", orient: "auto-start-reverse" });
  head.appendChild(mk("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#E69F00" }));
  defs.appendChild(head);
  const arrow = mk("line", { stroke: "#E69F00", "stroke-width": "2.5", "marker-end": "url(#nnviz-arrowhead)", "data-mark": "arrow" });
  const star = mk("path", { d: "M0,-9 L2.6,-3.2 9,-2.8 4.2,1.6 5.6,8 0,4.6 -5.6,8 -4.2,1.6 -9,-2.8 -2.6,-3.2 Z",
    fill: "#E69F00", stroke: "black", "stroke-width": "1", "data-mark": "current" });
  svg.append(defs, arrow, star);
  return { svg, arrow, star };
}

function placeSurfaceMark(st, sc, sa) {
  const fl = st.ui.surface._fullLayout;
  const { star, arrow } = st.ui.surfaceMark;
  if (!sc || !fl || !fl.xaxis || !fl.xaxis.l2p || !fl._size) { star.style.display = arrow.style.display = "none"; return; }
  const px = (x) => fl._size.l + fl.xaxis.l2p(x);
  const py = (y) => fl._size.t + fl.yaxis.l2p(y);
  const [x, y] = [px(sc[0]), py(sc[1])];
  const inside = (a, b) => a >= fl._size.l && a <= fl._size.l + fl._size.w && b >= fl._size.t && b <= fl._size.t + fl._size.h;
  star.style.display = inside(x, y) ? "" : "none";
  star.setAttribute("transform", `translate(${x},${y})`);
  star.setAttribute("data-x", String(sc[0]));
  star.setAttribute("data-y", String(sc[1]));
  if (sa && inside(x, y)) {
    arrow.style.display = "";
    arrow.setAttribute("x1", px(sa[0])); arrow.setAttribute("y1", py(sa[1]));
    arrow.setAttribute("x2", px(sa[2])); arrow.setAttribute("y2", py(sa[3]));
  } else {
    arrow.style.display = "none";
  }
}

// Every word shown comes from the server (payload.UI_TEXT, in the session's language): st.T.
// fmt fills a text's {name} fields with numbers known here.
function build(root, st) {
  root.innerHTML = "";
  root.setAttribute("data-nnviz-player", "");
  root.setAttribute("tabindex", "0");
  root.setAttribute("role", "group");
  const b = (name) => el("button", { type: "button", "data-action": name });
  const ui = {};
  ui.status = el("div", { class: "status", "aria-live": "polite" });
  ui.back = b("back");
  ui.next = b("next");
  ui.next.classList.add("primary");
  ui.step = b("step");
  ui.epoch = b("epoch");
  ui.nrun = el("input", { type: "number", min: "1", max: "100000", value: "100", "aria-label": "N", class: "nrun" });
  ui.run = b("run");
  ui.play = b("play");
  ui.speed = el("select", { class: "speed" });
  for (const v of [1, 2, 5, 10, 20, 50, 100, 200, 500]) ui.speed.appendChild(el("option", { value: String(v) }));
  ui.speed.value = "10";
  ui.reset = b("reset");
  ui.lr = el("select", { class: "lr" });
  ui.lrLabel = el("label", { class: "lrlab", text: "η " }, [ui.lr]);
  ui.controls = el("div", { class: "controls" }, [ui.back, ui.next, ui.step, ui.epoch, ui.nrun, ui.run, ui.play, ui.speed, ui.reset, ui.lrLabel]);
  buildQuiz(st, ui);
  ui.share = b("share");
  ui.controls.appendChild(ui.share);
  ui.shareText = el("input", { type: "text", readonly: "", class: "sharetext", id: "nnviz-share-link" });
  ui.shareStatus = el("span", { class: "sharestatus", role: "status" });
  ui.shareNotes = el("p", { class: "note sharenotes" });
  ui.shareLabel = el("label", { for: "nnviz-share-link" });
  ui.shareBox = el("div", { class: "sharebox", "data-panel": "share", hidden: "" }, [ui.shareLabel, ui.shareText, ui.shareStatus, ui.shareNotes]);
  ui.slider = el("input", { type: "range", min: "0", max: "0", value: "0", step: "1", class: "slider" });
  ui.sliderText = el("span", { class: "slidertext" });
  ui.sliderLabel = el("span");
  ui.sliderRow = el("label", { class: "sliderrow" }, [ui.sliderLabel, ui.slider, ui.sliderText]);
  ui.message = el("div", { class: "message", role: "status" });
  ui.progress = el("div", { class: "progress", hidden: "" });
  ui.diagram = el("div", { class: "plot diagram", "data-plot": "diagram" });
  ui.arith = el("div", { class: "arith", "data-panel": "arithmetic" });
  ui.arithTitle = el("h3");
  ui.top = el("div", { class: "top" }, [ui.diagram, el("div", { class: "arithbox" }, [ui.arithTitle, ui.quiz.box, ui.arith])]);
  ui.loss = el("div", { class: "plot loss", "data-plot": "loss" });
  ui.surface = el("div", { class: "plot surface", "data-plot": "surface" });
  ui.surfaceMark = svgOverlay();
  ui.surfaceWrap = el("div", { class: "surfacewrap" }, [ui.surface, ui.surfaceMark.svg]);
  ui.regions = el("div", { class: "plot regions", "data-plot": "regions" });
  ui.mid = el("div", { class: "mid" }, [ui.loss, ui.surfaceWrap, ui.regions]);
  ui.sample = el("select", { class: "sample" });
  ui.sampleText = document.createTextNode("");
  ui.sampleLabel = el("label", { class: "viewlab" }, [ui.sampleText, ui.sample]);
  ui.layer = el("select", { class: "layer" });
  ui.layerText = document.createTextNode("");
  ui.layerLabel = el("label", { class: "viewlab" }, [ui.layerText, ui.layer]);
  ui.view = el("div", { class: "view" }, [ui.sampleLabel, ui.layerLabel]);
  ui.matrices = el("div", { class: "plot matrices", "data-plot": "matrices" });
  ui.matNote = el("p", { class: "note" });
  root.append(ui.status, ui.controls, ui.shareBox, ui.sliderRow, ui.message, ui.progress, ui.top, ui.mid, ui.view, ui.matNote, ui.matrices);
  const view = () => { stopPlay(st); st.send({ a: "view", sample: Number(ui.sample.value), layer: Number(ui.layer.value), k: st.k, p: st.p }); };
  ui.sample.addEventListener("change", view);
  ui.layer.addEventListener("change", view);

  root.addEventListener("click", (ev) => {
    const btn = ev.target.closest("button[data-action]");
    if (btn && !btn.disabled) act(st, btn.dataset.action);
  });
  root.addEventListener("keydown", (ev) => {
    if (ev.target.tagName === "INPUT" || ev.target.tagName === "SELECT") return;
    if (ev.key === "ArrowRight" && ev.shiftKey) act(st, "step");
    else if (ev.key === "ArrowRight") act(st, "next");
    else if (ev.key === "ArrowLeft") act(st, "back");
    else if (ev.key === " ") act(st, "play");
    else return;
    ev.preventDefault();
  });
  ui.slider.addEventListener("input", () => seek(st, Number(ui.slider.value)));
  ui.lr.addEventListener("change", () => {
    stopPlay(st);
    st.send({ a: "lr", lr: Number(ui.lr.value), k: st.k, p: st.p });
  });
  ui.speed.addEventListener("change", () => { if (st.playing) { stopPlay(st); startPlay(st); } });
  return ui;
}

function applyText(st, T) {
  // The words of the controls, in the language the server sent (a new one: everything relabelled).
  st.T = T;
  const { ui } = st;
  st.root.setAttribute("aria-label", T.root);
  for (const [name, tip] of [["back", "back_tip"], ["next", "next_tip"], ["step", "step_tip"], ["epoch", "epoch_tip"],
    ["run", "run_tip"], ["play", "play_tip"], ["reset", "reset_tip"], ["share", "share_tip"]]) {
    ui[name].textContent = T[name];
    ui[name].title = T[tip];
  }
  if (st.playing) ui.play.textContent = T.pause;
  ui.speed.setAttribute("aria-label", T.speed);
  for (const o of ui.speed.options) o.textContent = fmt(T.speed_option, { v: o.value });
  ui.lr.setAttribute("aria-label", T.lr);
  ui.shareLabel.textContent = T.share_label + " ";
  ui.slider.setAttribute("aria-label", T.slider);
  ui.sliderLabel.textContent = T.slider_label + " ";
  ui.arithTitle.textContent = T.arithmetic;
  ui.sample.setAttribute("aria-label", T.sample);
  ui.sampleText.textContent = T.sample_label + " ";
  ui.sample.dataset.batch = "";  // its options are relabelled at the next render
  ui.layer.setAttribute("aria-label", T.layer);
  ui.layerText.textContent = T.layer_label + " ";
  for (const o of ui.layer.options) o.textContent = fmt(T.layer_option, { layer: Number(o.value) + 1 });
  const q = ui.quiz;
  q.toggleText.textContent = " " + T.quiz_toggle;
  q.inputLabel.textContent = T.quiz_answer + " ";
  q.check.textContent = T.quiz_check;
  q.show.textContent = T.quiz_show;
  q.next.textContent = T.quiz_next;
}

// -- quiz mode ------------------------------------------------------------------
// The server sends each phase's questions (prompt, hint as MathML, the engine's answer, the
// 3-significant-figure tolerance: nnviz/quiz.py); the check happens here, with no round trip.
// While a phase has an unanswered question, its numbers (arithmetic, diagram labels and hover,
// matrices, loss curve) are hidden.

function buildQuiz(st, ui) {
  const q = {};
  q.toggle = el("input", { type: "checkbox", role: "switch", "data-quiz": "toggle" });
  q.toggleText = document.createTextNode("");
  q.toggleLabel = el("label", { class: "quizlab" }, [q.toggle, q.toggleText]);
  ui.controls.appendChild(q.toggleLabel);
  q.progress = el("p", { class: "qprogress" });
  q.prompt = el("p", { class: "qprompt" });
  q.input = el("input", { type: "text", inputmode: "decimal", autocomplete: "off", class: "qinput", id: "nnviz-quiz-answer" });
  q.inputLabel = el("label", { for: "nnviz-quiz-answer" });
  q.check = el("button", { type: "button", "data-quiz": "check" });
  q.show = el("button", { type: "button", "data-quiz": "show" });
  q.next = el("button", { type: "button", "data-quiz": "next", hidden: "" });
  q.form = el("div", { class: "qform" }, [q.inputLabel, q.input, q.check, q.show, q.next]);
  q.result = el("p", { class: "qresult", role: "status", "aria-live": "polite", "data-quiz": "result" });
  q.hint = el("div", { class: "qhint", "data-quiz": "hint", hidden: "" });
  q.score = el("p", { class: "qscore", "data-quiz": "score" });
  q.box = el("div", { class: "quiz", "data-panel": "quiz", hidden: "" }, [q.progress, q.prompt, q.form, q.result, q.hint, q.score]);
  ui.quiz = q;
  st.quiz = { on: false, results: new Map(), active: null, right: 0, total: 0, frame: null };
  q.toggle.addEventListener("change", () => setQuiz(st, q.toggle.checked));
  q.check.addEventListener("click", () => quizCheck(st));
  q.show.addEventListener("click", () => quizShow(st));
  q.next.addEventListener("click", () => quizNext(st));
  q.input.addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter") return;
    ev.preventDefault();
    const cur = quizCurrent(st);
    if (cur && !(st.quiz.results.get(qkey(st, cur)) || {}).done) quizCheck(st);
    else if (!st.ui.quiz.next.hidden) quizNext(st);
    else act(st, "next");  // everything here answered: Enter goes on to the next phase
  });
}

function setQuiz(st, on) {
  st.quiz.on = !!on;
  st.ui.quiz.toggle.checked = st.quiz.on;
  st.root.toggleAttribute("data-quiz", st.quiz.on);
  render(st);
}

function qkey(st, q) { return `${st.run}|${q.id}|${q.answer}`; }

function quizCurrent(st) {
  const fr = st.quiz.frame;
  if (!fr || !fr.q) return null;
  return fr.q.find((x) => qkey(st, x) === st.quiz.active) || null;
}

function quizFinish(st, cur, correct) {
  const r = st.quiz.results.get(qkey(st, cur)) || { tries: 0 };
  if (!r.done) {
    r.done = true;
    r.correct = correct;
    st.quiz.total += 1;
    if (correct) st.quiz.right += 1;
  }
  st.quiz.results.set(qkey(st, cur), r);
}

function parseAnswer(text) {
  // a number as a person types it: "−0.5" (Unicode minus), "0,5" (decimal comma), "1.5e-3", "1.5×10^-3"
  let t = String(text).trim().replace(/[\u2212\u2013]/g, "-").replace(/\s+/g, "");
  t = t.replace(/[×x*]10\^\(?(-?\d+)\)?$/i, "e$1");
  if (!t.includes(".") && /^-?\d+,\d+(e-?\d+)?$/i.test(t)) t = t.replace(",", ".");
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return NaN;
  return Number(t);
}

function quizCheck(st) {
  const cur = quizCurrent(st);
  if (!cur) return;
  const q = st.ui.quiz;
  const r = st.quiz.results.get(qkey(st, cur)) || { tries: 0 };
  if (r.done) return;
  const v = parseAnswer(q.input.value);
  if (!Number.isFinite(v)) { q.result.textContent = st.T.quiz_not_number; q.result.className = "qresult"; return; }
  r.tries += 1;
  st.quiz.results.set(qkey(st, cur), r);
  if (Math.abs(v - cur.answer) <= cur.tol) {
    quizFinish(st, cur, true);
    st.quiz.last = { id: qkey(st, cur), text: fmt(st.T.quiz_correct, { name: cur.name, shown: cur.shown }), kind: "correct" };
  } else {
    st.quiz.last = { id: qkey(st, cur), text: st.T.quiz_wrong, kind: "wrong" };
  }
  render(st);
}

function quizShow(st) {
  const cur = quizCurrent(st);
  if (!cur) return;
  quizFinish(st, cur, false);
  st.quiz.last = { id: qkey(st, cur), text: fmt(st.T.quiz_answer_is, { shown: cur.shown }), kind: "shown" };
  render(st);
}

function quizNext(st) {
  const fr = st.quiz.frame;
  const nxt = fr && fr.q && fr.q.find((x) => !(st.quiz.results.get(qkey(st, x)) || {}).done);
  if (nxt) { st.quiz.active = qkey(st, nxt); st.quiz.last = null; st.ui.quiz.input.value = ""; }
  render(st);
  st.ui.quiz.input.focus();
}

function renderQuiz(st, fr, light) {
  const q = st.ui.quiz;
  const z = st.quiz;
  q.box.hidden = !z.on;
  q.score.textContent = fmt(st.T.quiz_score, { right: z.right, total: z.total });
  const qs = z.on && !light && fr && fr.q ? fr.q : [];
  const undone = qs.filter((x) => !(z.results.get(qkey(st, x)) || {}).done);
  st.root.toggleAttribute("data-quiz-asking", undone.length > 0);
  z.frame = fr;
  if (!z.on) return;
  if (light) { q.prompt.textContent = st.T.quiz_playing; q.form.hidden = true; q.progress.textContent = ""; q.result.textContent = ""; q.hint.hidden = true; return; }
  let cur = qs.find((x) => qkey(st, x) === z.active);
  if (!cur) {
    cur = undone[0] || null;
    z.active = cur ? qkey(st, cur) : null;
    z.last = null;
    q.input.value = "";
  }
  if (!cur) {
    q.progress.textContent = "";
    q.prompt.textContent = qs.length ? st.T.quiz_done : st.T.quiz_none;
    q.form.hidden = true; q.result.textContent = ""; q.hint.hidden = true;
    return;
  }
  const r = z.results.get(qkey(st, cur)) || {};
  q.form.hidden = false;
  q.progress.textContent = fmt(st.T.quiz_of, { i: qs.indexOf(cur) + 1, n: qs.length, phase: st.names[st.p] || "" });
  q.prompt.textContent = cur.prompt;
  q.input.disabled = false;
  q.check.disabled = q.show.disabled = !!r.done;
  q.next.hidden = !(r.done && undone.length > 0);
  const last = z.last && z.last.id === qkey(st, cur) ? z.last : null;
  q.result.textContent = last ? last.text : "";
  q.result.className = "qresult " + (last ? last.kind : "");
  const hintOn = !!last && last.kind === "wrong";
  q.hint.hidden = !hintOn;
  if (hintOn && q.hint.dataset.id !== qkey(st, cur)) { q.hint.innerHTML = cur.hint; q.hint.dataset.id = qkey(st, cur); }
}

function showShare(st, share) {
  // the server made the query string for the screen; the address is this page's
  const { ui } = st;
  const url = `${window.location.origin}${window.location.pathname}?${share.query}`;
  ui.shareBox.hidden = false;
  ui.shareText.value = url;
  ui.shareNotes.textContent = (share.notes || []).join(" ");
  ui.shareText.select();
  const copied = () => { ui.shareStatus.textContent = st.T.share_copied; };
  const manual = () => { ui.shareStatus.textContent = st.T.share_manual; };
  try {
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(url).then(copied, manual);
    else manual();
  } catch (e) { manual(); }
}

// -- the cursor ---------------------------------------------------------------

function last(st) { return st.P - 1; }
function updates(st) { return st.k + (st.p === last(st) ? 1 : 0); }

function has(st, k) { return st.steps.has(k); }

function moveTo(st, k, p) {
  // Show (k, p) if it is here; else ask the server, which records the step and answers with it.
  if (p >= 0 && !has(st, k)) {
    if (k >= st.n || !st.pending) st.send({ a: "goto", k, p, from_k: st.k, from_p: st.p });
    st.waiting = [k, p];
    showMessage(st, k >= st.n ? st.T.computing : st.T.loading, "info");
    return false;
  }
  if (p < 0 && k > st.n) return false;
  st.k = k; st.p = p; st.waiting = null;
  render(st);
  prefetch(st);
  reportLater(st);
  return true;
}

function reportLater(st) {
  // Tell the server where the learner is once the clicking pauses (the link, the tabs below and a
  // saved file follow the screen); a click in between postpones it.
  clearTimeout(st.reportTimer);
  st.reportTimer = setTimeout(() => {
    if (st.playing || st.waiting) return;
    if (st.pending) return reportLater(st);
    if (st.reported && st.reported[0] === st.k && st.reported[1] === st.p) return;
    st.reported = [st.k, st.p];
    st.send({ a: "cursor", k: st.k, p: st.p }, true);
  }, 700);
}

function act(st, action) {
  if (action !== "play" && st.playing) stopPlay(st);
  const L = last(st);
  if (action === "next") {
    if (st.p === L) moveTo(st, st.k + 1, 0);
    else moveTo(st, st.k, st.p + 1);
  } else if (action === "back") {
    if (st.p > 0 && st.p < L) moveTo(st, st.k, st.p - 1);
    else if (st.p === 0) moveTo(st, st.k, -1);
    else if (st.p === L) { if (st.k > 0) moveTo(st, st.k - 1, L); else moveTo(st, 0, -1); }
    else if (st.k > 0) moveTo(st, st.k - 1, L);
  } else if (action === "step") {
    moveTo(st, st.k + (st.p === L ? 1 : 0), L);
  } else if (action === "epoch") {
    const u = updates(st);
    goUpdates(st, u + (st.spe - (u % st.spe)));
  } else if (action === "run") {
    const n = Math.max(1, Math.min(100000, Math.floor(Number(st.ui.nrun.value) || 1)));
    goUpdates(st, updates(st) + n);
  } else if (action === "reset") {
    st.quiz.results = new Map();  // the quiz starts again with the run (the score is the session's)
    st.send({ a: "reset" });
  } else if (action === "play") {
    if (st.playing) stopPlay(st); else startPlay(st);
  } else if (action === "share") {
    st.ui.shareStatus.textContent = st.T.share_making;
    st.send({ a: "share", k: st.k, p: st.p, quiz: st.quiz.on });
  } else if (action === "stop") {
    st.waiting = null;
    st.send({ a: "stop", k: st.k, p: st.p });
  }
}

function goUpdates(st, u) {
  // The network after u updates: the update phase of step u (or idle at 0).
  if (u <= 0) return moveTo(st, 0, -1);
  if (u <= st.n && has(st, u - 1)) return moveTo(st, u - 1, last(st));
  st.send({ a: "goto", k: u - 1, p: last(st), from_k: st.k, from_p: st.p });
  st.waiting = [u - 1, last(st)];
  showMessage(st, st.T.computing, "info");
}

function seek(st, u) {
  stopPlay(st);
  u = Math.max(0, Math.min(u, st.n));
  if (u === 0) return moveTo(st, 0, -1);
  goUpdates(st, u);
}

function prefetch(st) {
  // Ask for the next detailed steps before they are needed (no cursor change on the server side).
  if (st.pending || st.playing) return;
  const ahead = [st.k, st.k + 1, st.k + 2, Math.max(0, st.k - 1)];
  const missing = ahead.find((k) => !has(st, k) && (k < st.n || k === st.n));
  if (missing !== undefined && missing <= st.maxSteps) st.send({ a: "prefetch", k: st.k, p: st.p }, true);
}

// -- Play ---------------------------------------------------------------------

function startPlay(st) {
  if (st.diverged !== null && updates(st) > st.diverged) return;
  st.playing = true;
  st.ui.play.textContent = st.T.pause;
  st.ui.play.setAttribute("aria-pressed", "true");
  st.root.setAttribute("data-playing", "1");
  const sps = Number(st.ui.speed.value);
  // at most ~25 frames a second; faster speeds skip frames, never steps
  st.stride = Math.max(1, Math.ceil(sps / 25));
  const interval = 1000 / Math.min(sps, 25);
  let nextAt = performance.now();
  const tick = (now) => {
    if (!st.playing) return;
    if (now >= nextAt) {
      nextAt = Math.max(nextAt + interval, now - interval);
      playFrame(st);
    }
    st.raf = requestAnimationFrame(tick);
  };
  st.raf = requestAnimationFrame(tick);
  askAhead(st);
}

function stopPlay(st) {
  if (!st.playing) return;
  st.playing = false;
  cancelAnimationFrame(st.raf);
  st.ui.play.textContent = st.T.play;
  st.ui.play.setAttribute("aria-pressed", "false");
  st.root.removeAttribute("data-playing");
  reportLater(st);
  // settle on the update phase of the step reached, with its full detail
  moveTo(st, st.k, st.p < 0 && st.k === 0 ? -1 : last(st));
}

function askAhead(st) {
  if (st.pending) return;
  const u = updates(st);
  let buffered = 0;
  for (let k = u; k < u + 60; k++) if (st.light.has(k) || has(st, k)) buffered++;
  if (buffered < 30) st.send({ a: "ahead", k: u, stride: st.stride }, true);
}

function playFrame(st) {
  const u = updates(st);
  let k = u - 1 + st.stride;
  // next step on screen: the nearest available at or after the stride target
  if (!(st.light.has(k) || has(st, k))) {
    k = u;
    while (k < u - 1 + st.stride && !(st.light.has(k) || has(st, k))) k++;
    if (!(st.light.has(k) || has(st, k))) {
      if (st.diverged !== null && u > st.diverged) stopPlay(st);
      askAhead(st);
      return;
    }
  }
  if (st.stopAt !== null && k + 1 >= st.stopAt) { k = st.stopAt - 1; }
  st.k = k; st.p = last(st);
  render(st, true);
  askAhead(st);
  if (st.stopAt !== null && k + 1 >= st.stopAt) stopPlay(st);
}

// -- drawing ------------------------------------------------------------------

function showMessage(st, text, kind) {
  st.ui.message.textContent = text || "";
  st.ui.message.className = "message " + (kind || "");
}

function frameAt(st, k, p, light) {
  if (p < 0) return st.idle.get(k) || null;
  const s = st.steps.get(k);
  if (s) return s.ph[p];
  return light ? st.light.get(k) || null : null;
}

function shape(spec) {
  // which traces carry text labels, in which order: what Plotly.react fails to redraw when it changes
  return spec.data.map((t, i) => ((t.mode || "").includes("text") || t.texttemplate ? `${i}:${t.name || ""}` : "")).join(";");
}

function react(st, div, spec, key) {
  if (!spec || !st.Plotly) { div.hidden = !spec; return; }
  div.hidden = false;
  if (st.drawn[key] === spec) return;
  st.drawn[key] = spec;
  const layout = themed(st.root, Object.assign({}, spec.layout, { autosize: true }));
  delete layout.width;
  // Plotly.react leaves text labels unrendered when traces with text replace traces without
  // (seen going from the idle network to a phase): a new set of traces is drawn afresh.
  const sig = shape(spec);
  const data = themedData(st.root, spec.data);
  if (st.shapes[key] !== sig) {
    st.shapes[key] = sig;
    st.Plotly.newPlot(div, data, layout, PLOT_CONFIG);
    if (key === "diagram") bindDiagram(st);
  } else {
    st.Plotly.react(div, data, layout, PLOT_CONFIG);
  }
}

function later(st, key, fn) {
  // Below-the-fold plots are drawn after the diagram and the arithmetic are painted (and only once
  // for a burst of clicks): a click is answered first, the rest follows in the next idle moment.
  st.later = st.later || {};
  st.later[key] = fn;
  if (st.laterTimer) return;
  st.laterTimer = setTimeout(() => {
    st.laterTimer = null;
    const jobs = st.later; st.later = {};
    for (const f of Object.values(jobs)) f();
  }, 30);
}

function statusHtml(st, k, p) {
  if (p < 0) return fmt(st.T.idle_status, { k });
  const s = st.steps.get(k) || st.light.get(k);
  const head = s ? s.t : fmt(st.T.step_head, { step: k + 1 });
  const bar = st.names.map((lab, i) => (i === p ? `<b class="cur">[${lab}]</b>` : `<span>${lab}</span>`)).join(" → ");
  return `${head} · ${bar}`;
}

function render(st, light = false) {
  const { ui } = st;
  const { k, p } = st;
  const fr = frameAt(st, k, p, true);
  st.root.setAttribute("data-step", String(p < 0 ? k : k + 1));
  st.root.setAttribute("data-phase", p < 0 ? "" : st.labels[p]);
  ui.status.innerHTML = statusHtml(st, k, p);
  const u = updates(st);
  ui.slider.max = String(st.n);
  ui.slider.value = String(u);
  ui.sliderText.textContent = fmt(st.T.slider_text, { u, n: st.n });
  ui.back.disabled = k === 0 && p < 0;
  const batch = (st.steps.get(k) || {}).batch;
  ui.sampleLabel.hidden = !batch || batch.length < 2;
  if (batch && batch.length >= 2) {
    const key = batch.join(",");
    if (ui.sample.dataset.batch !== key) {
      ui.sample.innerHTML = "";
      batch.forEach((idx, row) => ui.sample.appendChild(el("option", { value: String(row), text: fmt(st.T.sample_option, { index: idx, row }) })));
      ui.sample.dataset.batch = key;
    }
    ui.sample.value = String(Math.min(st.viewSample || 0, batch.length - 1));
  }
  renderQuiz(st, fr, light);
  if (!fr) return;
  react(st, ui.diagram, fr.d, "diagram");
  if (fr.a !== undefined) ui.arith.innerHTML = fr.a;
  else if (light) ui.arith.innerHTML = `<p class="note">${fmt(st.T.playing_arith, { step: k + 1 })}</p>`;
  if (fr.m !== undefined && !light) {
    later(st, "matrices", () => react(st, ui.matrices, fr.m, "matrices"));
    ui.matNote.textContent = fr.m ? "" : st.T.matrices_note;
  }
  // While playing, the slower plots are redrawn on every 2nd (regions) and 4th (loss) frame only,
  // so the diagram keeps its frame rate; a paused or stepped view redraws everything.
  st.frameNo = (st.frameNo || 0) + 1;
  if (fr.r) later(st, "regions", () => react(st, ui.regions, fr.r, "regions"));  // while playing, every 2nd frame carries them
  st.mark = [fr.sc, fr.sa];
  if (st.surfaceDrawn) placeSurfaceMark(st, fr.sc, fr.sa);
  if (st.lossDrawn && st.Plotly && p >= 0 && fr.loss !== undefined) {
    const x = k + 1;
    if (x > st.lossLastX) {
      st.lossPending.x.push(x);
      st.lossPending.y.push(fr.loss);
      st.lossLastX = x;
    }
    if ((!light || st.frameNo % 4 === 0) && st.lossShownX !== x) {
      st.lossShownX = x;
      later(st, "loss", () => {
        if (st.lossPending.x.length) {
          st.Plotly.extendTraces(ui.loss, { x: [st.lossPending.x], y: [st.lossPending.y] }, [0]);
          st.lossPending = { x: [], y: [] };
        }
        if (st.lossCurrent !== null) st.Plotly.restyle(ui.loss, { x: [[x]], y: [[fr.loss]] }, [st.lossCurrent]);
      });
    }
  }
}

function traceIndex(spec, name) {
  if (!spec || !spec.data) return null;
  // by meta, which keeps the English name in every language (figures.py); the name is the legend's
  const i = spec.data.findIndex((t) => (t.meta === undefined ? t.name : t.meta) === name);
  return i < 0 ? null : i;
}

// -- the server's answers -------------------------------------------------------

function merge(st, data) {
  const fresh = st.run !== data.run;
  if (fresh) {
    st.run = data.run;
    st.steps = new Map(); st.idle = new Map(); st.light = new Map(); st.drawn = {}; st.shapes = {};
    st.k = 0; st.p = -1; st.seq = -1;
    stopPlay(st);
  }
  if (data.clear) { st.steps = new Map(); st.idle = new Map(); st.light = new Map(); }
  if (data.trunc !== null && data.trunc !== undefined) {
    for (const m of [st.steps, st.light]) for (const key of [...m.keys()]) if (key >= data.trunc) m.delete(key);
    for (const key of [...st.idle.keys()]) if (key > data.trunc) st.idle.delete(key);
  }
  st.labels = data.labels; st.P = data.labels.length;
  st.names = data.names || data.labels;  // the phases as the status bar and the quiz name them (data-phase: labels)
  if (!st.T || st.T.lang !== data.text.lang) applyText(st, data.text);
  st.n = data.n; st.spe = data.spe; st.maxSteps = data.max_steps;
  st.diverged = data.diverged === undefined ? null : data.diverged;
  st.stopAt = data.stop_at === undefined ? null : data.stop_at;
  for (const [key, v] of Object.entries(data.steps || {})) st.steps.set(Number(key), v);
  for (const [key, v] of Object.entries(data.idle || {})) st.idle.set(Number(key), v);
  for (const [key, v] of Object.entries(data.light || {})) st.light.set(Number(key), v);
  // keep memory bounded: forget detail far from the cursor
  if (st.steps.size > 80) for (const key of [...st.steps.keys()]) if (Math.abs(key - st.k) > 40) st.steps.delete(key);
  if (st.light.size > 4000) for (const key of [...st.light.keys()]) if (key < st.k - 100) st.light.delete(key);
  if (data.loss_spec !== undefined) {
    st.lossSpec = data.loss_spec; st.lossN = data.n;
    st.lossCurrent = traceIndex(data.loss_spec, "current");
    st.ui.loss.hidden = !data.loss_spec;
  }
  if (data.surface !== undefined) {
    st.surfaceSpec = data.surface;
  }
  // learning-rate choices
  const ui = st.ui;
  if (ui.lr.options.length !== data.lrs.length) {
    ui.lr.innerHTML = "";
    for (const v of data.lrs) ui.lr.appendChild(el("option", { value: String(v), text: String(v) }));
  }
  ui.lr.value = String(data.lr);
  ui.regions.hidden = !data.has_regions;
  if (data.view) {
    const v = data.view;
    if (ui.layer.options.length !== v.layers) {
      ui.layer.innerHTML = "";
      for (let l = 0; l < v.layers; l++) ui.layer.appendChild(el("option", { value: String(l), text: fmt(st.T.layer_option, { layer: l + 1 }) }));
    }
    ui.layer.value = String(v.layer);
    st.viewSample = v.sample;
  }
  if (data.seq > st.seq && data.cursor) {
    st.seq = data.seq;
    st.k = data.cursor[0]; st.p = data.cursor[1];
    st.reported = [st.k, st.p];
    st.waiting = null;
  } else if (st.waiting) {
    const [wk, wp] = st.waiting;
    if (has(st, wk) || wp < 0) { st.k = wk; st.p = wp; st.waiting = null; }
  }
  const acks = new Set(data.acks || []);
  st.outbox = st.outbox.filter((r) => !acks.has(r.nonce));
  showMessage(st, data.message || "", data.message_kind || "info");
  if (data.quiz && !st.quiz.fromLink) { st.quiz.fromLink = true; setQuiz(st, true); }
  if (data.share && data.share.nonce !== st.shareShown) { st.shareShown = data.share.nonce; showShare(st, data.share); }
  if (data.progress) {
    ui.progress.hidden = false;
    const [done, total] = data.progress;
    ui.progress.innerHTML = `<progress max="${total}" value="${done}"></progress> ${fmt(st.T.progress, { done, total })} <button type="button" data-action="stop">${st.T.stop}</button>`;
  } else {
    ui.progress.hidden = true;
  }
  st.pending = st.outbox.length > 0;
  if (data.progress && !st.waiting && data.target) st.waiting = data.target;
  if (data.progress && st.waiting) {
    // a long Run or Epoch: the server computes in chunks of bounded time; ask for the next one after
    // the pause it asks for (other students' clicks are served in between)
    const [wk, wp] = st.waiting;
    setTimeout(() => { if (st.waiting) st.send({ a: "goto", k: wk, p: wp }); }, Number(data.pause_ms) || 0);
  }
}

function drawStatic(st) {
  const { ui } = st;
  if (st.lossSpec && st.drawn.loss !== st.lossSpec) {
    st.drawn.loss = st.lossSpec;
    st.Plotly.react(ui.loss, st.lossSpec.data, themed(st.root, Object.assign({}, st.lossSpec.layout, { autosize: true })), PLOT_CONFIG);
    st.lossDrawn = true;
    st.lossLastX = st.lossN;
    st.lossShownX = null;
    st.lossPending = { x: [], y: [] };
  }
  if (st.surfaceSpec !== undefined && st.drawn.surface !== st.surfaceSpec) {
    st.drawn.surface = st.surfaceSpec;
    ui.surface.hidden = !st.surfaceSpec;
    st.surfaceDrawn = false;
    if (st.surfaceSpec) {
      st.Plotly.react(ui.surface, st.surfaceSpec.data, themed(st.root, Object.assign({}, st.surfaceSpec.layout, { autosize: true })), PLOT_CONFIG);
      st.surfaceDrawn = !!st.surfaceSpec.overlay;  // the contour view: the star and arrow are the overlay's
    }
    ui.surfaceMark.svg.style.display = st.surfaceDrawn ? "" : "none";
    if (!st.surfaceBound && ui.surface.on) {  // a resize or redraw moves the axes: put the marks back
      ui.surface.on("plotly_afterplot", () => { if (st.surfaceDrawn && st.mark) placeSurfaceMark(st, st.mark[0], st.mark[1]); });
      st.surfaceBound = true;
    }
    if (st.surfaceDrawn && st.mark) placeSurfaceMark(st, st.mark[0], st.mark[1]);
  }
}

function bindDiagram(st) {
  // exactly one click listener, whether or not newPlot kept the old one
  const d = st.ui.diagram;
  if (!d.on) return;
  if (d.removeAllListeners) d.removeAllListeners("plotly_click");
  d.on("plotly_click", (ev) => onDiagramClick(st, ev));
}

function onDiagramClick(st, ev) {
  const pt = ev && ev.points && ev.points[0];
  const cd = pt && pt.customdata;
  if (!cd || (cd[0] !== "neuron" && cd[0] !== "edge")) return;
  stopPlay(st);
  st.send({ a: "select", sel: cd, k: st.k, p: st.p });
}

export default function (component) {
  const { parentElement, setTriggerValue } = component;
  const data = typeof component.data === "string" ? JSON.parse(component.data) : component.data;
  const root = parentElement.querySelector(".nnviz-root");
  let st = root.__nnviz;
  if (!st) {
    st = { root, run: null, steps: new Map(), idle: new Map(), light: new Map(), drawn: {}, shapes: {}, rev: 0,
      k: 0, p: -1, seq: -1, nonce: 0, playing: false, pending: false, waiting: null, stride: 1,
      surfaceDrawn: false, lossDrawn: false, losses: [], Plotly: null, outbox: [], sentAt: new WeakMap() };
    st.ui = build(root, st);
    root.__nnviz = st;
  }
  // Requests wait in an outbox until the server acknowledges them (its answer lists the nonces it
  // applied, data.acks), and every trigger carries the whole outbox: one trigger value holds one
  // message, so a request sent before the server read the previous one (a cursor report just after
  // a click) would otherwise replace it, and the click would be lost. The server applies a nonce
  // once (PlayerSession.handle_all), so resending is safe. A background request replaces an
  // unacknowledged one of the same kind (only the latest cursor report matters).
  st.send = (req, background = false) => {
    st.pending = true;
    st.nonce += 1;
    const have = [...st.steps.keys()].filter((s) => Math.abs(s - st.k) <= 20).slice(0, 64);
    const sent = Object.assign({ nonce: `${Date.now()}-${st.nonce}`, background, have }, req);
    st.outbox = st.outbox.filter((r) => !(background && r.background && r.a === sent.a));
    st.outbox.push(sent);
    st.sentAt.set(sent, Date.now());
    if (st.outbox.length > OUTBOX_MAX) st.outbox = st.outbox.slice(-OUTBOX_MAX);
    st.transmit(0);
  };
  // Unanswered after RETRY_MS (it went to an element being replaced while the page reran), the
  // outbox is sent again, at most RETRIES times; requests older than that are given up (the
  // player stays usable: the next click asks again).
  st.transmit = (attempt) => {
    const now = Date.now();
    st.outbox = st.outbox.filter((r) => now - st.sentAt.get(r) <= RETRY_MS * (RETRIES + 1));
    if (!st.outbox.length) { st.pending = false; return; }
    const tx = (st.tx || 0) + 1;
    st.tx = tx;
    setTriggerValue("req", { batch: st.outbox.slice(), tx });  // tx: a resend is never the same value
    setTimeout(() => {
      if (st.tx !== tx || !st.outbox.length) return;
      if (attempt < RETRIES) st.transmit(attempt + 1);
      else { st.outbox = []; st.pending = false; }
    }, RETRY_MS);
  };
  merge(st, data);
  loadPlotly(data.plotly, st.T).then((Plotly) => {
    st.Plotly = Plotly;
    drawStatic(st);
    render(st);
    bindDiagram(st);
    if (st.playing) askAhead(st); else prefetch(st);
  }).catch((err) => showMessage(st, String(err), "error"));
  render(st);
}
