// Sample: a grid by seeds (labels, truncation), shown and downloadable as PNG
"use strict";
let family = null;

function url(run) {
  const q = new URLSearchParams({ seeds: G.$("#seeds").value, nrow: G.$("#nrow").value });
  if (G.$("#labels").value.trim()) q.set("labels", G.$("#labels").value.trim());
  if (G.$("#truncation").value) q.set("truncation", G.$("#truncation").value);
  return "/api/runs/" + encodeURIComponent(run) + "/sample.png?" + q;
}

async function generate() {
  const run = G.$("#run").value;
  if (!run) return;
  const t0 = performance.now();
  try {
    const blob = await G.loadImage(G.$("#grid"), url(run), G.latest("sample"));
    G.$("#download").href = G.$("#grid").src;
    G.$("#download").download = run + "-seeds-" + G.$("#seeds").value + ".png";
    G.$("#info").textContent = "seeds " + G.$("#seeds").value + " from " + run + ": " + G.$("#grid").naturalWidth + "x" +
      G.$("#grid").naturalHeight + " px, " + Math.round(blob.size / 1024) + " KB in " + Math.round(performance.now() - t0) + " ms";
    G.error(null);
  } catch (e) { G.error(e); }
}

// what the model can be asked for: its classes (conditional models) or none
async function describe(run) {
  const m = await G.api("/api/runs/" + encodeURIComponent(run) + "/model");
  const labels = G.$("#labels");
  labels.disabled = !m.num_classes;
  if (!m.num_classes) labels.value = "";
  labels.placeholder = m.num_classes ? "0-" + (m.num_classes - 1) : "unconditional";
  G.$("#classes").textContent = m.num_classes ? m.num_classes + " classes (labels 0-" + (m.num_classes - 1) + ")"
    : "unconditional: no labels";
}

document.addEventListener("DOMContentLoaded", async () => {
  G.nav("sample");
  G.$("#go").addEventListener("click", generate);
  G.$("#seeds").addEventListener("keydown", (e) => { if (e.key === "Enter") generate(); });
  try {
    await G.runPicker(G.$("#run"), ["gan", "vae", "ae"], async (run, r) => {
      family = r.family; G.$("#truncation").disabled = family !== "gan";
      try { await describe(run); } catch (e) { G.error(e); }
      generate();
    });
  } catch (e) { G.error(e); }
});
