// Firebreak game-day console. Every fact on the page comes from the server (GET /api/state, then
// the /api/events stream), so a closed or reloaded tab loses nothing. Colours live in
// console.css, keyed on data-state attributes; every colour also comes with a text label.
"use strict";
(() => {
  const WINDOW_S = 300; // the charts show the last five minutes
  // ?noconfirm skips the "End exercise" confirm() (for scripted runs that do not handle dialogs)
  const SKIP_CONFIRM = new URLSearchParams(location.search).has("noconfirm");
  // Okabe–Ito colours, distinguishable with the common colour-vision deficiencies
  const BAND_COLOURS = ["#E69F00", "#CC79A7", "#56B4E9", "#009E73", "#0072B2", "#D55E00"];
  const SERVICE_STATES = {
    injected: "the fault is applied here", spread: "the fault's effect reached it",
    held: "its callers' fallbacks held", unaffected: "no change seen", idle: "no traffic",
    unseen: "no data yet", steady: "no fault active",
  };

  let state = null; // the latest state, with the whole series merged in
  let clockOffset = 0; // server clock − local clock, seconds
  let connected = false;

  // ---- small helpers -----------------------------------------------------------------------
  const $ = (sel, root = document) => root.querySelector(sel);
  function h(tag, attrs = {}, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) if (v != null && v !== false) el.setAttribute(k, v === true ? "" : v);
    el.append(...kids.flat().filter((k) => k != null && k !== false));
    return el;
  }
  function s(tag, attrs = {}) {
    const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    return el;
  }
  // Keep one child per key, in order, reusing existing nodes: a re-render every second must not
  // steal focus, a hover or a half-finished click from the operator.
  function syncKeyed(container, items, keyOf, create, update) {
    const old = new Map([...container.children].map((el) => [el.dataset.key, el]));
    let prev = null;
    for (const item of items) {
      const key = keyOf(item);
      let el = old.get(key);
      if (el) old.delete(key);
      else { el = create(item); el.dataset.key = key; }
      update(el, item);
      const want = prev ? prev.nextSibling : container.firstChild;
      if (el !== want) container.insertBefore(el, want);
      prev = el;
    }
    for (const el of old.values()) el.remove();
  }
  const setText = (el, text) => { if (el.textContent !== text) el.textContent = text; };
  const pad2 = (n) => String(n).padStart(2, "0");
  function fmtDuration(sec) {
    sec = Math.max(0, Math.floor(sec));
    const hh = Math.floor(sec / 3600), mm = Math.floor(sec / 60) % 60, ss = sec % 60;
    return hh ? `${hh}:${pad2(mm)}:${pad2(ss)}` : `${mm}:${pad2(ss)}`;
  }
  function fmtClock(t) {
    const d = new Date(t * 1000);
    return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  }
  const fmtTarget = (t) => (typeof t === "string" ? t : `${t.count} × ${t.service}`);
  const isActive = (f) => f.reverted_at == null;
  const bandColour = (f) => BAND_COLOURS[state.faults.indexOf(f) % BAND_COLOURS.length];
  // Once the exercise has ended the clock stops at the server's last word.
  const serverNow = () => (state && state.ended ? state.now : Date.now() / 1000 + clockOffset);
  const locked = () => !!(state && (state.ended || state.guardrail || ["ending", "ended"].includes(state.phase)));

  // ---- talking to the server ---------------------------------------------------------------
  // Every POST is JSON (the server refuses other content types). Never throws: the caller
  // decides where the message goes, so no error is dropped silently.
  async function post(path, body, button) {
    if (button) { button.dataset.busy = "1"; button.disabled = true; }
    try {
      const res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body || {}) });
      let data = null;
      try { data = await res.json(); } catch { /* not JSON: reported by status below */ }
      if (res.ok) {
        if (!connected) loadState(); // no stream to bring the change: fetch it
        return { ok: true, data };
      }
      return { ok: false, error: (data && data.error) || `${res.status} ${res.statusText}`, field: data && data.field };
    } catch (e) {
      return { ok: false, error: `the console server did not answer (${e.message})` };
    } finally {
      if (button) { delete button.dataset.busy; if (state) renderControls(); }
    }
  }

  // Stream messages hold only the last 10 s of series: merge them by t into our copy.
  function mergeSeries(into, recent) {
    if (!recent.length) return into;
    const first = Math.min(...recent.map((p) => p.t));
    let i = into.length;
    while (i > 0 && into[i - 1].t >= first) i--;
    const tail = new Map(into.slice(i).map((p) => [p.t, p]));
    for (const p of recent) tail.set(p.t, p);
    return into.slice(0, i).concat([...tail.values()].sort((a, b) => a.t - b.t));
  }
  function applyState(msg, full) {
    // pushes leave out what never changes (the system, the palette, the targets): those come
    // with the full state the page loads first
    if (!full && !state) return loadState();
    const series = full || !state ? msg.series || [] : mergeSeries(state.series, msg.series || []);
    state = { ...state, ...msg, series };
    clockOffset = msg.now - Date.now() / 1000;
    render();
  }
  async function loadState() {
    try {
      const res = await fetch("/api/state", { cache: "no-store" });
      if (res.ok) applyState(await res.json(), true);
    } catch { /* the stream's reconnect brings us back here */ }
  }
  function setLive(on) {
    connected = on;
    const el = $("[data-testid=live]");
    el.dataset.connected = String(on);
    setText(el, on ? "live" : state && state.ended ? "server stopped" : "reconnecting…");
  }
  function connect() {
    const es = new EventSource("/api/events");
    es.addEventListener("state", (ev) => applyState(JSON.parse(ev.data), false));
    // every (re)connection resyncs the whole state: messages missed while away are gone
    es.onopen = () => { setLive(true); loadState(); };
    es.onerror = () => {
      setLive(false);
      // EventSource retries by itself, except after an HTTP error: then it is closed for good
      if (es.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
    };
  }

  // ---- charts ------------------------------------------------------------------------------
  const fmtMs = (v) => (v >= 1000 ? `${+(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
  const CHARTS = [
    { key: "rps", floor: 10, axis: (v) => `${v}`, series: [
      { label: "requests/s", field: "rps", colour: "#0072B2", show: (v) => `${v.toFixed(0)}`, unit: "/s" }] },
    { key: "rates", floor: 5, cap: 100, axis: (v) => `${v}%`, series: [
      { label: "errors", field: "error_rate", k: 100, colour: "#D55E00", show: (v) => v.toFixed(1), unit: "%" },
      { label: "degraded", field: "degraded_rate", k: 100, colour: "#E69F00", dash: [10, 6], show: (v) => v.toFixed(1), unit: "%" }] },
    { key: "latency", floor: 50, axis: fmtMs, series: [
      { label: "p50", field: "p50_ms", colour: "#0072B2", show: (v) => fmtMs(v).split(" ")[0], unit: "ms" },
      { label: "p99", field: "p99_ms", colour: "#CC79A7", dash: [10, 6], show: (v) => fmtMs(v).split(" ")[0], unit: "ms" }] },
  ];

  function makeChart(c) {
    const box = $(`[data-chart=${c.key}]`);
    c.plotEl = $(".plot", box);
    // readouts: the latest value of each line, large, with a line sample (colour and dash) and a name
    c.readouts = c.series.map((sr) => {
      const value = h("b", {}, "—"), unit = h("span", { class: "unit" }, sr.unit);
      const sample = h("span", { class: "sample", style: `border-top: 4px ${sr.dash ? "dashed" : "solid"} ${sr.colour}` });
      $(".readouts", box).append(h("span", { class: "readout", "data-series": sr.field }, sample, h("span", { class: "label" }, sr.label), value, unit));
      return { value, unit };
    });
    const axis = { stroke: "#333", font: "14px system-ui, sans-serif", grid: { stroke: "#e6e6e6" }, ticks: { stroke: "#ccc" } };
    const clock = (u, splits) => splits.map((t) => fmtClock(t)); // one row of HH:MM:SS, no date row
    c.plot = new uPlot({
      width: c.plotEl.clientWidth || 600, height: c.plotEl.clientHeight || 180,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } }, // the window always follows "now": no zooming
      scales: {
        // the last five minutes, but no more than the exercise has lasted (at least a minute),
        // so the first minutes of an exercise are not squeezed into the right-hand edge
        x: { time: true, range: () => xRange() },
        y: { range: (u, lo, hi) => [0, Math.min(c.cap || Infinity, Math.max(c.floor, (hi || 0) * 1.15))] },
      },
      padding: [24, 34, 0, 0], // room above the plot for the fault names, right of it for the last time label
      axes: [{ ...axis, space: 90, values: clock }, { ...axis, size: 72, values: (u, vals) => vals.map(c.axis) }],
      series: [{}, ...c.series.map((sr) => ({ label: sr.label, stroke: sr.colour, width: 2.5, dash: sr.dash, points: { show: false } }))],
      // fault bands are DOM elements on the plot area; place them after every redraw and resize
      hooks: { draw: [() => drawBands(c)] },
    }, [[], ...c.series.map(() => [])], c.plotEl);
    c.layer = h("div", { class: "bands" });
    c.plot.over.append(c.layer); // over the lines, so the names stay readable; clicks pass through
    new ResizeObserver(() => c.plot.setSize({ width: c.plotEl.clientWidth, height: c.plotEl.clientHeight })).observe(c.plotEl);
  }

  function xRange() {
    const now = serverNow(), started = state && state.started_at ? state.started_at : now;
    return [Math.max(now - WINDOW_S, Math.min(started, now - 60)), now];
  }

  function drawBands(c) {
    if (!state) return;
    const u = c.plot, now = serverNow();
    const width = u.bbox.width / uPlot.pxRatio; // the layer sits exactly on the plot's bbox
    const bands = state.faults.map((f) => ({ f, t0: f.applied_at, t1: f.reverted_at ?? now }))
      .filter((b) => b.t1 >= u.scales.x.min && b.t0 <= u.scales.x.max);
    // overlapping bands get their labels on separate lanes so both names stay readable
    const laneEnds = [];
    syncKeyed(c.layer, bands, (b) => b.f.name,
      (b) => h("div", { class: "band", "data-testid": "band", "data-fault": b.f.name }, h("span", { class: "band-label" })),
      (el, b) => {
        const left = Math.max(0, u.valToPos(b.t0, "x")), right = Math.min(width, u.valToPos(b.t1, "x"));
        let lane = laneEnds.findIndex((end) => end < left);
        if (lane < 0) lane = laneEnds.length;
        laneEnds[lane] = left + 110;
        el.style.left = `${left}px`;
        el.style.width = `${Math.max(2, right - left)}px`;
        el.style.setProperty("--c", bandColour(b.f));
        el.style.setProperty("--lane", lane);
        el.classList.toggle("active", isActive(b.f));
        el.classList.toggle("flip", left > width - 100); // near "now": the name goes left of the edge
        el.title = `${b.f.description}\nHypothesis: ${b.f.hypothesis}`;
        setText(el.firstChild, b.f.name);
      });
  }

  function renderCharts() {
    if (!CHARTS[0].plot) CHARTS.forEach(makeChart);
    const from = serverNow() - WINDOW_S - 5; // give uPlot only what it shows
    const pts = state.series.filter((p) => p.t >= from);
    const last = state.series[state.series.length - 1];
    for (const c of CHARTS) {
      c.plot.setData([pts.map((p) => p.t), ...c.series.map((sr) => pts.map((p) => (p[sr.field] == null ? null : p[sr.field] * (sr.k || 1))))]);
      c.series.forEach((sr, i) => {
        const v = last && last[sr.field];
        setText(c.readouts[i].value, v == null ? "—" : sr.show(v * (sr.k || 1)));
        setText(c.readouts[i].unit, v != null && sr.unit === "ms" && v >= 1000 ? "s" : sr.unit);
      });
    }
  }

  // ---- dependency graph --------------------------------------------------------------------
  const W = 600, H = 300, NW = 158, NH = 52;
  let graphKey = null;
  function buildGraph(sys) {
    const svg = $("[data-testid=graph]");
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const defs = s("defs");
    for (const kind of ["closed", "open", "half-open"]) {
      const m = s("marker", { id: `arrow-${kind}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 13, markerHeight: 13, markerUnits: "userSpaceOnUse", orient: "auto" });
      m.append(s("path", { d: "M0,0 L10,5 L0,10 z", class: `arrowhead ${kind}` }));
      defs.append(m);
    }
    const names = sys.services.map((x) => x.name);
    // layout is 0..1 each way (services missing from it go along the middle); it is stretched
    // to fill the panel, since nodes are wide and the room needs the gaps between them
    const raw = names.map((n, i) => sys.layout[n] || [(i + 0.5) / names.length, 0.5]);
    const stretch = (k) => {
      const v = raw.map((p) => p[k]), lo = Math.min(...v), range = Math.max(...v) - lo;
      return v.map((x) => (range ? (x - lo) / range : 0.5));
    };
    const [xs, ys] = [stretch(0), stretch(1)];
    const pos = Object.fromEntries(names.map((n, i) => [n, [NW / 2 + 4 + xs[i] * (W - NW - 8), NH / 2 + 4 + ys[i] * (H - NH - 8)]]));
    const edges = sys.edges.filter((e) => pos[e.caller] && pos[e.callee]).map((e) => {
      const [x1, y1] = pos[e.caller], [x2, y2] = pos[e.callee], dx = x2 - x1, dy = y2 - y1;
      // leave each box where the line crosses its border, plus a small gap
      const cut = (w, hh) => Math.min(w / Math.abs(dx || 1e-9), hh / Math.abs(dy || 1e-9));
      const a = cut(NW / 2 + 3, NH / 2 + 3), b = 1 - cut(NW / 2 + 5, NH / 2 + 5);
      const g = s("g", { "data-testid": "edge", "data-edge": e.name, class: e.optional ? "edge optional" : "edge" });
      const title = s("title");
      title.textContent = `${e.name}${e.optional ? " (optional)" : ""}`;
      const mid = (a + b) / 2; // the middle of the visible line, not of the two centres
      const label = s("g", { class: "edge-label", transform: `translate(${x1 + dx * mid},${y1 + dy * mid})` });
      label.append(s("rect", { y: -13, height: 26, rx: 4 }), s("text", { "text-anchor": "middle", dy: 6 }));
      g.append(title, s("line", { x1: x1 + dx * a, y1: y1 + dy * a, x2: x1 + dx * b, y2: y1 + dy * b }), label);
      return g;
    });
    const nodes = names.map((n) => {
      const [x, y] = pos[n];
      const g = s("g", { "data-testid": "node", "data-service": n, class: "node", transform: `translate(${x - NW / 2},${y - NH / 2})` });
      const name = s("text", { x: NW / 2, y: 22, "text-anchor": "middle", class: "name" });
      name.textContent = n + (n === sys.entrypoint ? " ▸" : ""); // ▸ marks the front door
      g.append(s("rect", { width: NW, height: NH, rx: 8 }), name, s("text", { x: NW / 2, y: 42, "text-anchor": "middle", class: "state" }));
      return g;
    });
    svg.replaceChildren(defs, ...edges, ...nodes);
    $("[data-testid=legend]").replaceChildren(...Object.entries(SERVICE_STATES).map(([st, what]) =>
      h("li", { "data-state": st }, h("span", { class: "swatch" }), h("b", {}, st), ` ${what}`)));
  }
  function renderGraph() {
    const sys = state.system, key = JSON.stringify([sys.services, sys.edges, sys.layout, sys.entrypoint]);
    if (key !== graphKey) { graphKey = key; buildGraph(sys); }
    for (const g of document.querySelectorAll("[data-testid=node]")) {
      const st = (state.services[g.dataset.service] || {}).state || "unseen";
      g.dataset.state = st;
      setText(g.querySelector(".state"), st);
    }
    for (const g of document.querySelectorAll("[data-testid=edge]")) {
      const br = state.breakers[g.dataset.edge] || "unknown";
      g.dataset.breaker = br;
      g.querySelector("line").setAttribute("marker-end", `url(#arrow-${br === "open" || br === "half-open" ? br : "closed"})`);
      const text = br === "open" || br === "half-open" ? `breaker ${br}` : "";
      const label = g.querySelector(".edge-label"), width = text.length * 8 + 14; // ~8 px a character
      label.style.display = text ? "" : "none";
      setText(label.querySelector("text"), text);
      label.querySelector("rect").setAttribute("width", width);
      label.querySelector("rect").setAttribute("x", -width / 2);
    }
  }

  // ---- instances ---------------------------------------------------------------------------
  function renderInstances() {
    const groups = state.system.services.map((svc) => ({ svc: svc.name, list: state.instances.filter((i) => i.service === svc.name) }))
      .filter((g) => g.list.length);
    syncKeyed($(".instance-groups"), groups, (g) => g.svc,
      (g) => h("div", { class: "igroup" }, h("h3", {}, g.svc), h("div", { class: "chips" })),
      (el, g) => syncKeyed($(".chips", el), g.list, (i) => i.id,
        (i) => h("div", { class: "chip", "data-testid": "instance", "data-instance": i.id, title: i.id },
          h("span", { class: "id" }, i.id.startsWith(`${i.service}-`) ? `#${i.id.slice(i.service.length + 1)}` : i.id), h("span", { class: "istate" }), h("span", { class: "restarts" })),
        (chip, i) => {
          chip.dataset.state = i.state;
          setText($(".istate", chip), i.state);
          setText($(".restarts", chip), i.restarts ? `↻ ${i.restarts} restart${i.restarts > 1 ? "s" : ""}` : "");
        }));
  }

  // ---- the fault form ----------------------------------------------------------------------
  const form = $(".fault-form"), F = form.elements;
  let formKey = null;
  const currentSpec = () => state.palette.find((p) => p.type === F["fault-type"].value);
  function fillSelect(select, values, labels = values) {
    const keep = select.value;
    select.replaceChildren(...values.map((v, i) => new Option(labels[i], v)));
    if (values.includes(keep)) select.value = keep;
  }
  function paramField(p) {
    const name = `param-${p.name}`, label = p.label || p.name;
    let input;
    if (p.choices) {
      input = h("select", { name });
      // an optional choice with no default may be left to the server: the "" option sends nothing
      const blank = !p.required && p.default == null ? [""] : [];
      fillSelect(input, [...blank, ...p.choices.map(String)], [...blank.map(() => "(default)"), ...p.choices.map(String)]);
      if (p.default != null) input.value = String(p.default);
    } else if (p.type === "boolean") {
      input = h("input", { name, type: "checkbox" });
      input.checked = !!p.default;
      return h("label", { class: "check param", title: p.description || null }, input, ` ${label}`);
    } else {
      const numeric = p.type === "integer" || p.type === "number";
      input = h("input", { name, type: numeric ? "number" : "text", step: numeric ? (p.type === "integer" ? 1 : "any") : null,
        min: p.minimum, max: p.maximum, required: p.required });
      input.value = p.default ?? "";
    }
    return h("label", { class: "param", title: p.description || null }, `${label}${p.required ? " *" : ""}`,
      h("span", { class: "with-unit" }, input, p.unit ? h("span", { class: "unit" }, p.unit) : null));
  }
  function onTypeChange() {
    const spec = currentSpec();
    if (!spec) return;
    setText($(".fault-description"), spec.description || "");
    fillSelect(F.target, state.targets[spec.kind] || []);
    $(".count-row").hidden = spec.kind !== "instance";
    $(".params").replaceChildren(...spec.params.map(paramField));
    onTargetChange();
  }
  function onTargetChange() {
    const svc = state.system.services.find((x) => x.name === F.target.value);
    const max = svc ? svc.replicas : 1;
    F.count.max = max;
    if (+F.count.value > max) F.count.value = max;
    setText($(".count-max"), `of ${max}`);
  }
  function renderForm() {
    const key = JSON.stringify([state.palette, state.targets, state.system.services]);
    if (key === formKey) return;
    formKey = key; // rebuilt only when the choices change, so typing is never interrupted
    fillSelect(F["fault-type"], state.palette.map((p) => p.type), state.palette.map((p) => `${p.type} — ${p.kind}`));
    onTypeChange();
  }
  class FieldError extends Error { constructor(msg, field) { super(msg); this.field = field; } }
  function faultBody() {
    const spec = currentSpec();
    if (!spec) throw new FieldError("choose a fault type", "type");
    const params = {};
    for (const p of spec.params) {
      const el = F[`param-${p.name}`], label = p.label || p.name;
      if (p.type === "boolean") { params[p.name] = el.checked; continue; }
      const raw = el.value.trim();
      if (raw === "") {
        if (p.required) throw new FieldError(`${label} is required`, `params.${p.name}`);
        continue; // left empty: the server's default applies
      }
      if (p.type === "integer" || p.type === "number") {
        const n = Number(raw);
        if (!Number.isFinite(n) || (p.type === "integer" && !Number.isInteger(n)))
          throw new FieldError(`${label} must be a ${p.type === "integer" ? "whole " : ""}number`, `params.${p.name}`);
        params[p.name] = n;
      } else params[p.name] = raw;
    }
    const target = spec.kind === "instance" ? { service: F.target.value, count: Math.round(+F.count.value) } : F.target.value;
    const duration = F["until-stopped"].checked ? null : Number(F.duration_s.value);
    if (duration !== null && !(duration > 0)) throw new FieldError("duration must be a positive number of seconds", "duration_s");
    const hypothesis = F.hypothesis.value.trim();
    if (!hypothesis) throw new FieldError("write the hypothesis first: what do you expect to happen?", "hypothesis");
    return { type: spec.type, target, params, duration_s: duration, hypothesis };
  }
  // the server names the field it refused ("params.latency_ms", "duration_s"…): mark that input
  function fieldInput(field) {
    if (!field) return null;
    const name = field.startsWith("params.") ? `param-${field.slice(7)}`
      : ({ type: "fault-type", count: "count", "target.count": "count", "target.service": "target" })[field] || field;
    const el = F[name];
    return el instanceof Element ? el : null;
  }
  function showFormError(message, field) {
    clearFormError();
    const box = $("[data-testid=form-error]");
    box.textContent = message;
    box.hidden = false;
    const el = fieldInput(field);
    if (el) { el.setAttribute("aria-invalid", "true"); el.focus(); }
  }
  function clearFormError() {
    $("[data-testid=form-error]").hidden = true;
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearFormError();
    let body;
    try { body = faultBody(); } catch (e) { if (e instanceof FieldError) return showFormError(e.message, e.field); throw e; }
    const r = await post("/api/faults", body, $("[data-testid=inject]"));
    if (!r.ok) return showFormError(r.error, r.field);
    F.hypothesis.value = ""; // one hypothesis per step
    renderControls();
    const fault = (r.data && r.data.fault) || {};
    flash(`Injected ${fault.name || "the fault"}${fault.description ? `: ${fault.description}` : ""}`);
  });
  F["fault-type"].addEventListener("change", () => { clearFormError(); onTypeChange(); });
  F.target.addEventListener("change", onTargetChange);
  F["until-stopped"].addEventListener("change", () => { F.duration_s.disabled = F["until-stopped"].checked; });
  form.addEventListener("input", (ev) => { ev.target.removeAttribute("aria-invalid"); renderControls(); });

  // ---- faults: active rows and past steps --------------------------------------------------
  function renderFaults() {
    const active = state.faults.filter(isActive);
    syncKeyed($(".fault-rows"), active, (f) => f.name,
      (f) => {
        const revert = h("button", { type: "button", class: "revert", "data-testid": "revert" }, "Revert");
        revert.addEventListener("click", async () => {
          const r = await post(`/api/faults/${encodeURIComponent(f.name)}/revert`, {}, revert);
          if (!r.ok) showError(`Could not revert ${f.name}: ${r.error}`);
        });
        return h("div", { class: "fault-row", "data-testid": "fault-row", "data-fault": f.name },
          h("span", { class: "swatch" }),
          h("div", { class: "what" }, h("div", { class: "head" }, h("b", {}, f.name), h("span", { class: "target" })),
            h("div", { class: "hypothesis" }), h("div", { class: "clock" })),
          revert);
      },
      (el, f) => {
        el.style.setProperty("--c", bandColour(f));
        setText($(".target", el), `${f.type} on ${fmtTarget(f.target)}`);
        setText($(".hypothesis", el), `Expect: ${f.hypothesis}`);
        el.dataset.appliedAt = f.applied_at;
        el.dataset.endsAt = f.ends_at ?? "";
      });
    $(".active-empty").hidden = active.length > 0;
    const past = state.faults.filter((f) => !isActive(f)).reverse(); // newest first
    syncKeyed($(".steps"), past, (f) => f.name,
      (f) => h("div", { class: "step", "data-testid": "step", "data-fault": f.name },
        h("div", { class: "head" }, h("span", { class: "swatch" }), h("b", {}, f.name), h("span", { class: "verdict" })),
        h("div", { class: "desc" }), h("div", { class: "hypothesis" }), h("div", { class: "summary" })),
      (el, f) => {
        const verdict = (f.outcome && f.outcome.verdict) || "pending";
        el.dataset.verdict = verdict;
        el.style.setProperty("--c", bandColour(f));
        const mark = { contained: "✓", spread: "✗", "no evidence": "?", pending: "…" }[verdict] || "";
        setText($(".verdict", el), `${mark} ${verdict}`);
        setText($(".desc", el), `${f.description} · ran ${fmtDuration(f.reverted_at - f.applied_at)} from ${fmtClock(f.applied_at)}`);
        setText($(".hypothesis", el), `Expected: ${f.hypothesis}`);
        setText($(".summary", el), (f.outcome && f.outcome.summary) || "");
      });
    $(".steps-empty").hidden = past.length > 0;
  }

  // ---- notes -------------------------------------------------------------------------------
  const noteForm = $(".note-form");
  function renderNotes() {
    const notes = [...state.notes].reverse();
    syncKeyed($(".note-list"), notes, (n) => `${n.t}|${n.text}`,
      (n) => h("li", { class: "note", "data-testid": "note" }, h("time", {}, fmtClock(n.t)),
        h("span", { class: "text" }, n.text),
        h("span", { class: "during" }, n.active_faults.length ? `during ${n.active_faults.join(", ")}` : "no fault active")),
      () => {});
  }
  noteForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = noteForm.elements.note.value.trim();
    if (!text) return;
    const r = await post("/api/notes", { text }, $("[data-testid=add-note]"));
    if (!r.ok) return showError(`The note was not saved: ${r.error}`);
    noteForm.elements.note.value = "";
    renderControls();
  });
  noteForm.elements.note.addEventListener("input", () => renderControls());
  noteForm.elements.note.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) noteForm.requestSubmit();
  });

  // ---- header buttons and banners ----------------------------------------------------------
  function showError(message) {
    const box = $("[data-testid=post-error]");
    $(".text", box).textContent = message;
    box.hidden = false;
  }
  $("[data-testid=post-error] .dismiss").addEventListener("click", (ev) => { ev.target.parentElement.hidden = true; });
  let flashTimer = null;
  function flash(message) { // a short confirmation that an action went through
    const box = $("[data-testid=info]");
    box.textContent = message;
    box.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => { box.hidden = true; }, 6000);
  }
  $("[data-testid=stop-everything]").addEventListener("click", async (ev) => {
    const r = await post("/api/stop-all", {}, ev.currentTarget);
    if (!r.ok) return showError(`Stop everything failed: ${r.error}`);
    const names = (r.data && r.data.reverted) || [];
    flash(names.length ? `Reverted ${names.join(", ")}` : "Nothing was active.");
  });
  $("[data-testid=end-exercise]").addEventListener("click", async (ev) => {
    const button = ev.currentTarget;
    if (!SKIP_CONFIRM && !confirm("End the exercise? Every fault is reverted and the report is written.")) return;
    const r = await post("/api/end", {}, button);
    if (!r.ok) return showError(`Could not end the exercise: ${r.error}`);
    flash("Ending the exercise…");
  });

  function renderControls() {
    const over = locked(), busy = (el) => !!el.dataset.busy;
    form.querySelector("fieldset").disabled = over;
    noteForm.querySelector("fieldset").disabled = !!(state && state.ended);
    const inject = $("[data-testid=inject]"), needHypothesis = !F.hypothesis.value.trim();
    // the server says when a first fault may go in (after the baseline is measured)
    const waiting = !!(state && state.can_inject === false && !over);
    inject.disabled = over || busy(inject) || needHypothesis || waiting;
    const hint = $(".inject-hint");
    hint.hidden = over || (!needHypothesis && !waiting);
    if (waiting && state.baseline_ready_at) {
      setText(hint, `measuring the baseline: ${Math.max(0, Math.ceil(state.baseline_ready_at - serverNow()))} s left`);
    } else if (needHypothesis) {
      setText(hint, "write a hypothesis to inject");
    }
    F.duration_s.disabled = F["until-stopped"].checked;
    const add = $("[data-testid=add-note]");
    add.disabled = !!(state && state.ended) || busy(add) || !noteForm.elements.note.value.trim();
    const stop = $("[data-testid=stop-everything]"), end = $("[data-testid=end-exercise]");
    stop.disabled = !!(state && state.ended) || busy(stop);
    end.disabled = over || busy(end);
    for (const b of document.querySelectorAll("[data-testid=revert]")) b.disabled = !!(state && state.ended) || busy(b);
  }

  function renderHeader() {
    setText($("[data-testid=system-name]"), state.system.name);
    const phase = $("[data-testid=phase]");
    phase.dataset.phase = state.phase;
    setText(phase, state.phase);
    const g = $("[data-testid=guardrail]");
    g.hidden = !state.guardrail;
    if (state.guardrail) setText(g, `Guardrail stopped the exercise: ${state.guardrail.reason}`);
    const e = $("[data-testid=ended]");
    e.hidden = !state.ended;
    if (state.ended && e.dataset.reason !== state.ended.reason) {
      e.dataset.reason = state.ended.reason;
      e.replaceChildren(h("b", {}, `Exercise ended: ${state.ended.reason}.`),
        h("span", {}, " Report: ", h("code", { "data-testid": "report-path" }, state.ended.report || "—")),
        h("span", {}, " Journal: ", h("code", { "data-testid": "journal-path" }, state.ended.journal || "—")));
    }
    if (!connected) setLive(false); // refresh the wording once we know the run has ended
  }

  // Clocks move every second even between messages.
  function renderClocks() {
    if (!state) return;
    const now = serverNow();
    setText($("[data-testid=elapsed]"), fmtDuration(now - state.started_at));
    for (const row of document.querySelectorAll("[data-testid=fault-row]")) {
      const ran = fmtDuration(now - +row.dataset.appliedAt), ends = row.dataset.endsAt;
      setText($(".clock", row), `running ${ran} · ${ends ? `${fmtDuration(+ends - now)} left` : "until stopped"}`);
    }
  }

  function render() {
    renderHeader();
    renderForm();
    renderGraph();
    renderInstances();
    renderFaults();
    renderNotes();
    renderControls();
    renderClocks();
    renderCharts();
  }

  setInterval(renderClocks, 1000);
  loadState();
  connect();
})();
