// A run: facts, interactive curves, sample grids over training time; polls metrics.jsonl while it trains
"use strict";
const name = G.param("run");
let records = [], offset = 0, grids = [], chosen = null, info = null;
const SKIP = ["step", "images", "epoch", "time", "img_per_s"];

function drawCurves() {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))].filter((k) => !SKIP.includes(k));
  if (!chosen) chosen = new Set(keys.filter((k) => k.startsWith("loss")).slice(0, 4).concat(keys.slice(0, 1)));
  const box = G.$("#keys");
  if (box.dataset.keys !== keys.join()) {
    box.dataset.keys = keys.join(); box.innerHTML = "";
    for (const k of keys) {
      const l = document.createElement("label"); const c = document.createElement("input");
      c.type = "checkbox"; c.checked = chosen.has(k); c.value = k;
      c.onchange = () => { c.checked ? chosen.add(k) : chosen.delete(k); drawCurves(); };
      l.append(c, document.createTextNode(k)); box.append(l);
    }
  }
  const shown = keys.filter((k) => chosen.has(k));
  G.chart(G.$("#chart"), shown.map((k) => ({ name: k, points: records.filter((r) => typeof r[k] === "number").map((r) => [r.step, r[k]]) })),
    { readout: G.$("#readout") });
}

function showGrid(i) {
  if (!grids.length) return;
  const g = grids[i];
  G.$("#grid").src = "/files/" + encodeURIComponent(name) + "/" + g.path;
  G.$("#grid-label").textContent = "step " + g.step + " (" + (i + 1) + " of " + grids.length + ")";
}

async function refresh() {
  info = await G.api("/api/runs/" + encodeURIComponent(name));
  G.$("#title").textContent = name;
  const facts = { preset: info.preset, family: info.family, dataset: info.dataset, step: info.step, status: info.status, checkpoints: info.checkpoints };
  Object.assign(facts, info.metrics);
  G.$("#facts").innerHTML = "";
  for (const [k, v] of Object.entries(facts)) {
    const l = document.createElement("label"); l.textContent = k;
    const b = document.createElement("b"); b.textContent = G.fmt(v); b.dataset.fact = k; l.append(b); G.$("#facts").append(l);
  }
  G.$("#config").textContent = JSON.stringify(info.config, null, 2);
  const slider = G.$("#grid-step");
  const atEnd = +slider.value === grids.length - 1 || !grids.length;
  grids = info.grids;
  slider.max = Math.max(0, grids.length - 1);
  if (atEnd) { slider.value = grids.length - 1; showGrid(grids.length - 1); }
}

async function poll() {
  const got = await G.api("/api/runs/" + encodeURIComponent(name) + "/metrics?offset=" + offset);
  offset = got.offset;
  if (got.records.length) { records = records.concat(got.records); drawCurves(); }
  return got.training;
}

async function tick() {
  try {
    const training = await poll();
    const live = training || (info && info.status === "running");
    G.$("#live").textContent = live ? "live: updating while it trains" : "";
    if (live || !info) await refresh();
    G.error(null);
    setTimeout(tick, live ? 1000 : 5000);
  } catch (e) { G.error(e); setTimeout(tick, 5000); }
}

document.addEventListener("DOMContentLoaded", async () => {
  G.nav("run");
  if (!name) { G.error(new Error("no run given: open a run from the runs table")); return; }
  G.$("#grid-step").addEventListener("input", (e) => showGrid(+e.target.value));
  try { await refresh(); } catch (e) { G.error(e); }
  tick();
  window.addEventListener("resize", drawCurves);
});
