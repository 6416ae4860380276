// Upscale: an uploaded image through a super-resolution run, bicubic vs model with a slider
"use strict";
let upload = null;

async function go() {
  const run = G.$("#run").value;
  if (!upload) { G.error(new Error("choose an image to upscale first")); return; }
  G.$("#go").disabled = true; G.$("#cancel").disabled = false;
  G.$("#info").textContent = "upscaling...";
  const signal = G.latest("upscale");
  try {
    const out = await G.api("/api/runs/" + encodeURIComponent(run) + "/upscale", { method: "POST", json: { upload }, signal });
    await Promise.all([[G.$("#before"), out.bicubic], [G.$("#after"), out.output]].map(([img, src]) =>
      new Promise((ok) => { img.onload = ok; img.src = src; })));
    G.$("#info").textContent = "x" + out.scale + ": " + out.width + "x" + out.height + " px. Left of the divide: " + run + "; right: bicubic.";
    G.error(null);
  } catch (e) {
    if (e.name === "AbortError" && !G.replaced("upscale", signal)) G.$("#info").textContent = "cancelled";
    G.error(e);
  } finally {
    if (!G.replaced("upscale", signal)) { G.$("#go").disabled = false; G.$("#cancel").disabled = true; }
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  G.nav("upscale");
  G.compare(G.$("#compare"), G.$("#split"));
  G.$("#go").addEventListener("click", go);
  G.$("#cancel").addEventListener("click", () => G.cancel("upscale"));
  G.$("#file").addEventListener("change", async (e) => {
    const file = e.target.files[0]; if (!file) return;
    try { upload = (await G.upload(file)).id; G.error(null); go(); } catch (err) { G.error(err); }
  });
  try { await G.runPicker(G.$("#run"), ["sr"], () => { if (upload) go(); }); } catch (e) { G.error(e); }
});
