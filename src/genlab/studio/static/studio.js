// genlab studio: shared helpers for every page (plain JS, no framework, nothing fetched from elsewhere)
"use strict";
const G = {};
G.token = () => document.querySelector('meta[name="genlab-token"]').content;
G.$ = (sel, root) => (root || document).querySelector(sel);
G.param = (name) => new URLSearchParams(location.search).get(name);

G.api = async function (path, opts) {
  opts = opts || {};
  const headers = Object.assign({}, opts.headers || {});
  if (opts.method && opts.method !== "GET") headers["X-Genlab-Token"] = G.token();
  let body = opts.body;
  if (opts.json !== undefined) { body = JSON.stringify(opts.json); headers["Content-Type"] = "application/json"; }
  const res = await fetch(path, { method: opts.method || "GET", headers, body, signal: opts.signal });
  const kind = res.headers.get("content-type") || "";
  const data = kind.includes("json") ? await res.json() : await res.blob();
  if (!res.ok) throw new Error((data && data.error) || ("HTTP " + res.status));
  return data;
};

G.error = function (err) {
  const box = G.$("#error");
  if (err && err.name === "AbortError") return;  // a request the page itself replaced or cancelled
  if (box) box.textContent = err ? (err.message || String(err)) : "";
};

// an AbortSignal for a new request of kind `key`, aborting the previous one of that kind: the server
// notices the dropped connection and stops that work, so it never runs on for nobody
G._controllers = {};
G.latest = function (key) {
  if (G._controllers[key]) G._controllers[key].abort();
  G._controllers[key] = new AbortController();
  return G._controllers[key].signal;
};
// whether a newer request of kind `key` has taken the place of the one with `signal`
G.replaced = (key, signal) => Boolean(G._controllers[key]) && G._controllers[key].signal !== signal;
G.cancel = function (key) {
  const c = G._controllers[key];
  if (c) { c.abort(); delete G._controllers[key]; return true; }
  return false;
};

G.fmt = (v) => typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : (v == null ? "" : String(v));

G.nav = async function (here) {
  const bar = document.createElement("header");
  bar.innerHTML = '<span class="brand">genlab studio</span><nav></nav>';
  document.body.prepend(bar);
  const run = G.param("run");
  try {
    const { pages } = await G.api("/api/pages");
    for (const p of pages.filter((p) => p.nav)) {
      const a = document.createElement("a");
      a.href = "/" + p.name + (run && p.families ? "?run=" + encodeURIComponent(run) : "");
      a.textContent = p.title;
      if (p.name === here) a.className = "here";
      bar.querySelector("nav").append(a);
    }
  } catch (e) { G.error(e); }
};

// a <select> of the runs whose family is one of `families`; calls onChange(name) now and on change
G.runPicker = async function (select, families, onChange) {
  const { runs } = await G.api("/api/runs");
  const fitting = runs.filter((r) => families.includes(r.family) && r.checkpoints > 0);
  select.innerHTML = "";
  for (const r of fitting) {
    const o = document.createElement("option");
    o.value = r.name; o.textContent = r.name + " (" + r.family + ", step " + r.step + ")";
    select.append(o);
  }
  const wanted = G.param("run");
  if (wanted && fitting.some((r) => r.name === wanted)) select.value = wanted;
  if (!fitting.length) G.error("no " + families.join("/") + " run with a checkpoint under the runs folder yet");
  const changed = () => {
    const url = new URL(location.href); url.searchParams.set("run", select.value);
    history.replaceState(null, "", url);
    onChange(select.value, fitting.find((r) => r.name === select.value));
  };
  select.addEventListener("change", changed);
  if (fitting.length) changed();
  return fitting;
};

// load `url` into <img>, resolving once it has loaded (rejecting with the server's message on failure)
G.loadImage = async function (img, url, signal) {
  const res = await fetch(url, { signal });
  if (!res.ok) { let msg = "HTTP " + res.status; try { msg = (await res.json()).error; } catch (e) {} throw new Error(msg); }
  const blob = await res.blob();
  const old = img.src;
  await new Promise((ok, bad) => { img.onload = ok; img.onerror = () => bad(new Error("image did not decode")); img.src = URL.createObjectURL(blob); });
  if (old && old.startsWith("blob:")) URL.revokeObjectURL(old);
  return blob;
};

G.colors = ["#2458d6", "#d6452f", "#1b7f3a", "#9b38c9", "#c98a00", "#0a8c9c", "#666", "#d63384"];

// a line chart on a canvas: series [{name, points: [[x, y], ...]}]; hover shows the nearest values
G.chart = function (canvas, series, opts) {
  opts = opts || {};
  const dpr = window.devicePixelRatio || 1;
  const W = canvas.clientWidth, H = canvas.clientHeight;
  canvas.width = W * dpr; canvas.height = H * dpr;
  const ctx = canvas.getContext("2d");
  ctx.scale(dpr, dpr);
  const pad = { l: 56, r: 12, t: 12, b: 28 };
  const pts = series.flatMap((s) => s.points).filter((p) => isFinite(p[1]));
  ctx.clearRect(0, 0, W, H);
  if (!pts.length) { ctx.fillStyle = "#888"; ctx.fillText("no data yet", W / 2 - 30, H / 2); return; }
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y0 -= 1; y1 += 1; }
  const X = (x) => pad.l + (x - x0) / (x1 - x0) * (W - pad.l - pad.r);
  const Y = (y) => H - pad.b - (y - y0) / (y1 - y0) * (H - pad.t - pad.b);
  ctx.strokeStyle = "#ddd"; ctx.fillStyle = "#666"; ctx.font = "11px sans-serif"; ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const yv = y0 + (y1 - y0) * i / 4, xv = x0 + (x1 - x0) * i / 4;
    ctx.beginPath(); ctx.moveTo(pad.l, Y(yv)); ctx.lineTo(W - pad.r, Y(yv)); ctx.stroke();
    ctx.fillText(G.fmt(+yv.toPrecision(3)), 4, Y(yv) + 4);
    ctx.fillText(x1 - x0 >= 8 ? String(Math.round(xv)) : xv.toFixed(1), X(xv) - 10, H - 8);
  }
  series.forEach((s, i) => {
    ctx.strokeStyle = s.color || G.colors[i % G.colors.length]; ctx.lineWidth = 1.5; ctx.beginPath();
    s.points.forEach((p, j) => { if (j) ctx.lineTo(X(p[0]), Y(p[1])); else ctx.moveTo(X(p[0]), Y(p[1])); });
    ctx.stroke();
  });
  canvas.onmousemove = (ev) => {
    const r = canvas.getBoundingClientRect();
    const x = x0 + (ev.clientX - r.left - pad.l) / (W - pad.l - pad.r) * (x1 - x0);
    const parts = series.map((s) => {
      let best = null;
      for (const p of s.points) if (!best || Math.abs(p[0] - x) < Math.abs(best[0] - x)) best = p;
      return best ? s.name + " " + G.fmt(best[1]) + " @ " + best[0] : "";
    });
    if (opts.readout) opts.readout.textContent = parts.filter(Boolean).join("   ");
  };
};

G.legend = function (el, names) {
  el.innerHTML = "";
  names.forEach((n, i) => {
    const s = document.createElement("span");
    const sw = document.createElement("i"); sw.style.background = G.colors[i % G.colors.length];
    s.append(sw, document.createTextNode(n)); el.append(s);
  });
};

// a before/after view: range input sets how much of the "after" image covers the "before" one
G.compare = function (box, range) {
  const after = box.querySelector(".after");
  const set = () => { after.style.width = (box.clientWidth * range.value / 100) + "px"; };
  range.addEventListener("input", set);
  new ResizeObserver(set).observe(box);
  set();
};

G.upload = async function (file) {
  return G.api("/api/uploads", { method: "POST", body: file, headers: { "Content-Type": file.type || "application/octet-stream" } });
};
