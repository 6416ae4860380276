// Translate: an uploaded image through a pix2pix or CycleGAN run; the model's input beside its output
"use strict";
let upload = null;

async function go() {
  const run = G.$("#run").value;
  if (!upload) { G.error(new Error("choose an image to translate first")); return; }
  G.$("#go").disabled = true; G.$("#cancel").disabled = false;
  G.$("#info").textContent = "translating...";
  const signal = G.latest("translate");
  const json = { upload, direction: G.$("#direction").value, derive: G.$("#derive").checked };
  try {
    const out = await G.api("/api/runs/" + encodeURIComponent(run) + "/translate", { method: "POST", json, signal });
    await Promise.all([[G.$("#input"), out.input], [G.$("#output"), out.output]].map(([img, src]) =>
      new Promise((ok) => { img.onload = ok; img.src = src; })));
    G.$("#info").textContent = out.direction + ": " + out.width + "x" + out.height + " px.";
    G.error(null);
  } catch (e) {
    if (e.name === "AbortError" && !G.replaced("translate", signal)) G.$("#info").textContent = "cancelled";
    G.error(e);
  } finally {
    if (!G.replaced("translate", signal)) { G.$("#go").disabled = false; G.$("#cancel").disabled = true; }
  }
}

async function pickRun(name) {
  const about = await G.api("/api/runs/" + encodeURIComponent(name) + "/translate");
  const direction = G.$("#direction");
  for (const o of direction.options) o.disabled = !about.directions.includes(o.value);
  if (!about.directions.includes(direction.value)) direction.value = about.directions[0];
  G.$("#derive").disabled = !about.derive;
  if (!about.derive) G.$("#derive").checked = false;
  G.$("#derive-label").textContent = about.derive ? "make the input from my image (" + about.derive + ")" : "make the input from my image";
  G.$("#about").textContent = about.family + " run: " + (about.channels === 3 ? "colour" : "gray") + " images of at least " +
    about.min_side + " px a side; " + (about.family === "cyclegan" ? "a = " + about.domains[0] + ", b = " + about.domains[1] :
    "inputs made by " + about.derive + " from " + about.domains[0]) + ".";
  if (upload) go();
}

document.addEventListener("DOMContentLoaded", async () => {
  G.nav("translate");
  G.$("#go").addEventListener("click", go);
  G.$("#cancel").addEventListener("click", () => G.cancel("translate"));
  for (const id of ["#direction", "#derive"]) G.$(id).addEventListener("change", () => { if (upload) go(); });
  G.$("#file").addEventListener("change", async (e) => {
    const file = e.target.files[0]; if (!file) return;
    try { upload = (await G.upload(file)).id; G.error(null); go(); } catch (err) { G.error(err); }
  });
  try { await G.runPicker(G.$("#run"), ["pix2pix", "cyclegan"], (name) => pickRun(name).catch(G.error)); } catch (e) { G.error(e); }
});
