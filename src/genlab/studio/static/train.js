// Train: start a preset with overrides, watch it (steps, losses, samples, curves), stop it
"use strict";
let presets = [], watched = null, offset = 0, records = [];

function describe() {
  const resume = G.$("#resume").value;
  G.$("#preset").disabled = Boolean(resume);
  const p = presets.find((x) => x.name === G.$("#preset").value);
  G.$("#description").textContent = resume ? "resumes " + resume + " from its newest checkpoint, with its own config; " +
    "steps and minutes are the run's new totals" : (p ? p.family + ": " + p.description : "");
  G.$("#start").textContent = resume ? "Resume training" : "Start training";
}

// the runs with a checkpoint, to continue one
async function resumable() {
  const { runs } = await G.api("/api/runs");
  const select = G.$("#resume"), kept = select.value;
  select.length = 1;
  for (const r of runs.filter((r) => r.checkpoints > 0)) {
    const o = document.createElement("option");
    o.value = r.name; o.textContent = r.name + " (step " + r.step + ", " + r.status + ")";
    select.append(o);
  }
  if ([...select.options].some((o) => o.value === kept)) select.value = kept;
}

async function start() {
  const resume = G.$("#resume").value;
  const body = resume ? { resume, overrides: G.$("#overrides").value } : { preset: G.$("#preset").value, overrides: G.$("#overrides").value };
  if (G.$("#steps").value) body.steps = +G.$("#steps").value;
  if (G.$("#minutes").value) body.minutes = +G.$("#minutes").value;
  G.$("#start").disabled = true;
  try { const job = await G.api("/api/jobs", { method: "POST", json: body }); watched = job.id; offset = 0; records = []; G.error(null); await jobs(); await resumable(); }
  catch (e) { G.error(e); } finally { G.$("#start").disabled = false; }
}

async function stop(id) {
  try { await G.api("/api/jobs/" + id + "/stop", { method: "POST" }); await jobs(); } catch (e) { G.error(e); }
}

async function jobs() {
  const list = (await G.api("/api/jobs")).jobs;
  const body = G.$("#jobs tbody"); body.innerHTML = "";
  for (const j of list) {
    const tr = document.createElement("tr"); tr.dataset.job = j.id;
    tr.innerHTML = "<td><a></a></td><td></td><td><span class='status'></span></td><td class='num'></td><td></td><td></td>";
    const td = tr.children;
    td[0].firstChild.textContent = j.run || "(starting)";
    if (j.run) td[0].firstChild.href = "/run?run=" + encodeURIComponent(j.run);
    td[1].textContent = j.preset;
    td[2].firstChild.textContent = j.status; td[2].firstChild.classList.add(j.status);
    if (j.error) { const e = document.createElement("div"); e.className = "error"; e.textContent = j.error; td[2].append(e); }
    td[3].textContent = j.step + (j.total_steps ? " / " + j.total_steps : "");
    td[4].textContent = Object.entries(j.last).filter(([k]) => k.startsWith("loss")).map(([k, v]) => k + " " + G.fmt(v)).join(", ");
    if (["starting", "running"].includes(j.status)) {
      const b = document.createElement("button"); b.textContent = "Stop"; b.className = "stop"; b.onclick = () => stop(j.id); td[5].append(b);
    }
    tr.onclick = (ev) => { if (ev.target.tagName !== "BUTTON" && ev.target.tagName !== "A") { watched = j.id; offset = 0; records = []; } };
    body.append(tr);
  }
  const w = list.find((j) => j.id === watched);
  if (w && w.run) {
    G.$("#watch").hidden = false;
    G.$("#watch-link").textContent = w.run; G.$("#watch-link").href = "/run?run=" + encodeURIComponent(w.run);
    const got = await G.api("/api/runs/" + encodeURIComponent(w.run) + "/metrics?offset=" + offset);
    offset = got.offset; records = records.concat(got.records);
    const keys = [...new Set(records.flatMap((r) => Object.keys(r)))].filter((k) => k.startsWith("loss"));
    G.chart(G.$("#watch-chart"), keys.map((k) => ({ name: k, points: records.filter((r) => typeof r[k] === "number").map((r) => [r.step, r[k]]) })));
    G.$("#watch-grid").src = "/files/" + encodeURIComponent(w.run) + "/samples.png?step=" + w.step;
  }
  return list;
}

async function tick() {
  try { await jobs(); } catch (e) { G.error(e); }
  setTimeout(tick, 1000);
}

document.addEventListener("DOMContentLoaded", async () => {
  G.nav("train");
  G.$("#start").addEventListener("click", start);
  G.$("#preset").addEventListener("change", describe);
  G.$("#resume").addEventListener("change", describe);
  try {
    presets = (await G.api("/api/presets")).presets;
    for (const p of presets) { const o = document.createElement("option"); o.value = o.textContent = p.name; G.$("#preset").append(o); }
    await resumable();
    describe();
  } catch (e) { G.error(e); }
  tick();
});
