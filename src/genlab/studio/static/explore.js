// Explore: an interpolation slider that redraws as it moves (one request in flight; the newest
// position wins), the whole walk, and latent traversals for autoencoders/VAEs
"use strict";
let busy = false, pending = false, frames = 0;

function base() {
  const q = new URLSearchParams({ from: G.$("#from").value || 0, to: G.$("#to").value || 0, slerp: G.$("#slerp").checked ? 1 : 0 });
  if (G.$("#label").value) q.set("label", G.$("#label").value);
  return q;
}
const runUrl = (what, q) => "/api/runs/" + encodeURIComponent(G.$("#run").value) + "/" + what + "?" + q;

async function frame() {
  if (busy) { pending = true; return; }
  busy = true;
  try {
    do {
      pending = false;
      const q = base(); q.set("t", G.$("#t").value);
      G.$("#t-value").textContent = (+G.$("#t").value).toFixed(2);
      const t0 = performance.now();
      await G.loadImage(G.$("#frame"), runUrl("interpolate.png", q));
      frames += 1;
      G.$("#frame").dataset.frames = frames;
      G.$("#frame").dataset.t = q.get("t");
      G.$("#ms").textContent = Math.round(performance.now() - t0) + " ms a frame";
    } while (pending);
    G.error(null);
  } catch (e) { G.error(e); } finally { busy = false; }
}

async function walk() {
  const q = base(); q.set("steps", 10);
  try { await G.loadImage(G.$("#walk"), runUrl("walk.png", q)); } catch (e) { G.error(e); }
}

async function traverse() {
  const q = new URLSearchParams({ dims: G.$("#dims").value, range: G.$("#span").value, steps: G.$("#steps").value, base: G.$("#base").value });
  if (G.$("#label").value) q.set("label", G.$("#label").value);
  try { await G.loadImage(G.$("#traverse"), runUrl("traverse.png", q)); G.error(null); } catch (e) { G.error(e); }
}

document.addEventListener("DOMContentLoaded", async () => {
  G.nav("explore");
  G.$("#t").addEventListener("input", frame);
  for (const id of ["#from", "#to", "#slerp", "#label"]) G.$(id).addEventListener("change", () => { frame(); walk(); });
  G.$("#traverse-go").addEventListener("click", traverse);
  for (const end of ["from", "to"]) {
    G.$("#" + end + "-file").addEventListener("change", async (e) => {
      const file = e.target.files[0]; if (!file) return;
      try { G.$("#" + end).value = "upload:" + (await G.upload(file)).id; G.error(null); frame(); walk(); } catch (err) { G.error(err); }
    });
  }
  try {
    await G.runPicker(G.$("#run"), ["gan", "vae", "ae"], (run, r) => {
      G.$("#traverse-panel").hidden = r.family === "gan";
      frame(); walk();
      if (r.family !== "gan") traverse();
    });
  } catch (e) { G.error(e); }
});
