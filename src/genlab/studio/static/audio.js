// Audio: clips of an audio-gan run by seed, or an enhance run's output for a test clip or an upload;
// each clip a spectrogram image and an <audio> player (WAVs as data: URLs)
"use strict";
let upload = null;

function clipCard(title, clip, id) {
  const box = document.createElement("div"); box.className = "clip";
  const head = document.createElement("div"); head.className = "muted"; head.textContent = title;
  const img = document.createElement("img"); img.className = "spec"; img.alt = "spectrogram: " + title;
  const player = document.createElement("audio"); player.controls = true; player.preload = "auto";
  if (id) { img.id = id + "-spec"; player.id = id + "-audio"; }
  box.append(head, img, player);
  const loaded = new Promise((ok, bad) => { img.onload = ok; img.onerror = () => bad(new Error("a spectrogram did not decode")); });
  img.src = clip.spectrogram; player.src = clip.wav;
  return [box, loaded];
}

async function generate() {
  const run = G.$("#run").value;
  const q = new URLSearchParams({ seeds: G.$("#seeds").value });
  if (G.$("#labels").value.trim()) q.set("labels", G.$("#labels").value.trim());
  G.$("#gen").disabled = true; G.$("#gen-info").textContent = "generating...";
  const signal = G.latest("clips");
  try {
    const out = await G.api("/api/runs/" + encodeURIComponent(run) + "/clips?" + q, { signal });
    const cards = out.clips.map((c) => clipCard("seed " + c.seed + (c.label == null ? "" : ", label " + c.label), c));
    G.$("#clips").replaceChildren(...cards.map((c) => c[0]));
    await Promise.all(cards.map((c) => c[1]));
    G.$("#gen-info").textContent = out.clips.length + " clips of " + out.seconds.toFixed(2) + " s at " + out.sample_rate + " Hz from " + run;
    G.error(null);
  } catch (e) { G.error(e); if (!G.replaced("clips", signal)) G.$("#gen-info").textContent = ""; }
  finally { if (!G.replaced("clips", signal)) G.$("#gen").disabled = false; }
}

// +1.23 / -1.23 / 0.00 (never "-0.00")
const signed = (x) => { const r = Number(x.toFixed(2)); return (r > 0 ? "+" : "") + (r === 0 ? 0 : r).toFixed(2); };

async function enhance(source) {
  const run = G.$("#run").value;
  G.$("#go").disabled = true; G.$("#cancel").disabled = false; G.$("#enh-info").textContent = "enhancing...";
  const signal = G.latest("enhance");
  try {
    const out = await G.api("/api/runs/" + encodeURIComponent(run) + "/enhance",
      { method: "POST", json: { source, snr: Number(G.$("#snr").value), seed: 0 }, signal });
    const cards = [clipCard("noisy (" + out.note + ")", out.noisy, "noisy"), clipCard("enhanced by " + run, out.enhanced, "enhanced")];
    if (out.clean) cards.push(clipCard("clean reference" + (out.label == null ? "" : " (label " + out.label + ")"), out.clean, "clean"));
    G.$("#result").replaceChildren(...cards.map((c) => c[0]));
    await Promise.all(cards.map((c) => c[1]));
    let info = out.seconds.toFixed(2) + " s enhanced.";
    if (out.si_sdr) info += " SI-SDR: noisy " + out.si_sdr.noisy.toFixed(2) + " dB, enhanced " + out.si_sdr.enhanced.toFixed(2) +
      " dB, improvement " + signed(out.si_sdr.improvement) + " dB";
    else info += " No clean reference for an upload: no SI-SDR.";
    G.$("#enh-info").textContent = info;
    G.error(null);
  } catch (e) {
    if (e.name === "AbortError" && !G.replaced("enhance", signal)) G.$("#enh-info").textContent = "cancelled";
    else if (!G.replaced("enhance", signal)) G.$("#enh-info").textContent = "";
    G.error(e);
  } finally {
    if (!G.replaced("enhance", signal)) { G.$("#go").disabled = false; G.$("#cancel").disabled = true; }
  }
}

async function describe(run, r) {
  const isGan = r.family === "audio-gan";
  G.$("#generate").hidden = !isGan; G.$("#enhance").hidden = isGan;
  if (isGan) {
    const m = await G.api("/api/runs/" + encodeURIComponent(run) + "/model");
    const labels = G.$("#labels");
    labels.disabled = !m.num_classes;
    if (!m.num_classes) labels.value = "";
    labels.placeholder = m.num_classes ? "0-" + (m.num_classes - 1) : "unconditional";
    G.$("#classes").textContent = m.num_classes ? m.num_classes + " classes" : "unconditional: no labels";
    generate();
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  G.nav("audio");
  G.$("#gen").addEventListener("click", generate);
  G.$("#seeds").addEventListener("keydown", (e) => { if (e.key === "Enter") generate(); });
  G.$("#go").addEventListener("click", () => enhance({ test: Number(G.$("#test").value) }));
  G.$("#cancel").addEventListener("click", () => G.cancel("enhance"));
  G.$("#file").addEventListener("change", async (e) => {
    const file = e.target.files[0]; if (!file) return;
    try {
      upload = (await G.api("/api/audio-uploads", { method: "POST", body: file,
        headers: { "Content-Type": file.type || "application/octet-stream" } })).id;
      G.error(null); enhance({ upload });
    } catch (err) { upload = null; G.error(err); }
  });
  try {
    await G.runPicker(G.$("#run"), ["audio-gan", "enhance"], async (run, r) => {
      try { await describe(run, r); } catch (e) { G.error(e); }
    });
  } catch (e) { G.error(e); }
});
