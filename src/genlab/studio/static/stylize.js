// Stylize: an uploaded photo through a style run (one style, or AdaIN with a chosen style and alpha)
"use strict";
let upload = null, styleUpload = null, about = null;

async function go() {
  const run = G.$("#run").value;
  if (!upload) { G.error(new Error("choose a photo to stylize first")); return; }
  G.$("#go").disabled = true; G.$("#cancel").disabled = false;
  G.$("#info").textContent = "stylizing...";
  const signal = G.latest("stylize");
  const json = { upload };
  if (about && about.net !== "johnson") {
    json.alpha = Number(G.$("#alpha").value);
    if (styleUpload) json.style_upload = styleUpload; else json.style = G.$("#style").value;
  }
  try {
    const out = await G.api("/api/runs/" + encodeURIComponent(run) + "/stylize", { method: "POST", json, signal });
    await Promise.all([[G.$("#before"), out.photo], [G.$("#after"), out.output]].map(([img, src]) =>
      new Promise((ok) => { img.onload = ok; img.src = src; })));
    G.$("#info").textContent = out.width + "x" + out.height + " px in " + out.seconds.toFixed(2) + " s (" + out.net + ")" +
      (out.note ? "; " + out.note : "") + ". Left of the divide: stylized; right: the photo.";
    G.error(null);
  } catch (e) {
    if (e.name === "AbortError" && !G.replaced("stylize", signal)) G.$("#info").textContent = "cancelled";
    G.error(e);
  } finally {
    if (!G.replaced("stylize", signal)) { G.$("#go").disabled = false; G.$("#cancel").disabled = true; }
  }
}

async function pickRun(name) {
  about = await G.api("/api/runs/" + encodeURIComponent(name) + "/stylize");
  G.$("#adain").hidden = about.net === "johnson";
  const select = G.$("#style");
  if (!select.options.length) {
    for (const [key, title] of Object.entries(about.styles)) {
      const o = document.createElement("option"); o.value = key; o.textContent = key; o.title = title; select.append(o);
    }
  }
  if (upload) go();
}

document.addEventListener("DOMContentLoaded", async () => {
  G.nav("stylize");
  G.compare(G.$("#compare"), G.$("#split"));
  G.$("#go").addEventListener("click", go);
  G.$("#cancel").addEventListener("click", () => G.cancel("stylize"));
  G.$("#alpha").addEventListener("input", () => { G.$("#alpha-value").textContent = Number(G.$("#alpha").value).toFixed(2); });
  G.$("#alpha").addEventListener("change", () => { if (upload) go(); });
  G.$("#style").addEventListener("change", () => {
    if (G.$("#style").value === "") return;  // the uploaded style, still chosen
    styleUpload = null; G.$("#style-file").value = "";
    const own = G.$("#style").querySelector('option[value=""]'); if (own) own.remove();
    if (upload) go();
  });
  G.$("#file").addEventListener("change", async (e) => {
    const file = e.target.files[0]; if (!file) return;
    try { upload = (await G.upload(file)).id; G.error(null); go(); } catch (err) { G.error(err); }
  });
  G.$("#style-file").addEventListener("change", async (e) => {
    const file = e.target.files[0]; if (!file) return;
    try {
      styleUpload = (await G.upload(file)).id; G.error(null);
      const select = G.$("#style");
      let own = select.querySelector('option[value=""]');
      if (!own) { own = document.createElement("option"); own.value = ""; select.prepend(own); }
      own.textContent = "uploaded: " + file.name; select.value = "";
      if (upload) go();
    } catch (err) { G.error(err); }
  });
  try { await G.runPicker(G.$("#run"), ["style"], (name) => pickRun(name).catch(G.error)); } catch (e) { G.error(e); }
});
