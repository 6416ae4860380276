// Runs: a sortable table and a compare view (metrics side by side, curves overlaid)
"use strict";
let rows = [], sortKey = "name", sortDir = -1;

function keyMetrics(r) {
  const m = Object.entries(r.metrics).slice(0, 3).map(([k, v]) => k + " " + G.fmt(v));
  const l = Object.entries(r.losses).slice(0, 2).map(([k, v]) => k + " " + G.fmt(v));
  return m.concat(l).join(", ");
}

function render() {
  const body = G.$("#runs tbody");
  body.innerHTML = "";
  const sorted = rows.slice().sort((a, b) => {
    const x = a[sortKey], y = b[sortKey];
    return (x === y ? 0 : (x == null ? -1 : y == null ? 1 : x < y ? -1 : 1)) * sortDir;
  });
  for (const r of sorted) {
    const tr = document.createElement("tr");
    tr.dataset.run = r.name;
    const cells = [
      '<input type="checkbox" class="pick">',
      r.thumbnail ? '<img class="thumb" alt="">' : "",
      '<a class="name"></a>', "", "", "", '<span class="status"></span>', ""];
    tr.innerHTML = cells.map((c) => "<td>" + c + "</td>").join("");
    const td = tr.children;
    if (r.thumbnail) td[1].firstChild.src = "/files/" + encodeURIComponent(r.name) + "/" + r.thumbnail + "?m=" + r.modified;
    td[2].firstChild.textContent = r.name; td[2].firstChild.href = "/run?run=" + encodeURIComponent(r.name);
    td[3].textContent = r.preset || ""; td[4].textContent = r.family || "";
    td[5].textContent = r.step; td[5].className = "num";
    td[6].firstChild.textContent = r.status; td[6].firstChild.classList.add(r.status);
    td[7].textContent = keyMetrics(r);
    body.append(tr);
  }
  document.querySelectorAll("#runs th.sortable").forEach((th) => {
    th.classList.remove("sorted-asc", "sorted-desc");
    if (th.dataset.key === sortKey) th.classList.add(sortDir > 0 ? "sorted-asc" : "sorted-desc");
  });
  G.$("#count").textContent = rows.length + " run(s)";
}

async function load() {
  try { rows = (await G.api("/api/runs")).runs; G.error(null); render(); } catch (e) { G.error(e); }
}

async function compare() {
  const names = [...document.querySelectorAll("#runs tbody tr")].filter((tr) => tr.querySelector(".pick").checked).map((tr) => tr.dataset.run);
  if (names.length < 1) { G.error(new Error("tick one or more runs to compare")); return; }
  G.error(null);
  const picked = names.map((n) => rows.find((r) => r.name === n));
  const curves = await Promise.all(names.map((n) => G.api("/api/runs/" + encodeURIComponent(n) + "/metrics")));
  const keys = [...new Set(picked.flatMap((r) => Object.keys(r.metrics).concat(Object.keys(r.losses))))];
  const table = G.$("#compare-table");
  table.innerHTML = "";
  const head = document.createElement("tr");
  head.innerHTML = "<th></th>" + names.map(() => "<th></th>").join("");
  names.forEach((n, i) => { head.children[i + 1].textContent = n; });
  table.append(head);
  for (const k of ["preset", "family", "step"].concat(keys)) {
    const tr = document.createElement("tr");
    tr.innerHTML = "<th></th>" + names.map(() => '<td class="num"></td>').join("");
    tr.children[0].textContent = k;
    picked.forEach((r, i) => { tr.children[i + 1].textContent = G.fmt(k in r ? r[k] : (k in r.metrics ? r.metrics[k] : r.losses[k])); });
    table.append(tr);
  }
  const curveKeys = [...new Set(curves.flatMap((c) => c.records.flatMap((r) => Object.keys(r))))]
    .filter((k) => !["step", "images", "epoch", "time", "img_per_s"].includes(k));
  const select = G.$("#compare-key");
  select.innerHTML = "";
  for (const k of curveKeys) { const o = document.createElement("option"); o.textContent = k; select.append(o); }
  const draw = () => {
    const k = select.value;
    const series = curves.map((c, i) => ({ name: names[i], points: c.records.filter((r) => typeof r[k] === "number").map((r) => [r.step, r[k]]) }));
    G.legend(G.$("#compare-legend"), names);
    G.chart(G.$("#compare-chart"), series, { readout: G.$("#compare-readout") });
  };
  select.onchange = draw;
  G.$("#compare").hidden = false;
  draw();
}

document.addEventListener("DOMContentLoaded", () => {
  G.nav("runs");
  document.querySelectorAll("#runs th.sortable").forEach((th) => th.addEventListener("click", () => {
    sortDir = th.dataset.key === sortKey ? -sortDir : 1; sortKey = th.dataset.key; render();
  }));
  G.$("#compare-btn").addEventListener("click", () => compare().catch(G.error));
  load();
  setInterval(load, 5000);
});
