// Audio: clips of an audio-gan run by seed, or an enhance run's output for a test clip, an upload or a
// recording; each clip a spectrogram image and an <audio> player (WAVs as data: URLs)
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

async function uploadAndEnhance(body, type) {
  try {
    upload = (await G.api("/api/audio-uploads", { method: "POST", body, headers: { "Content-Type": type } })).id;
    G.error(null);
  } catch (err) { upload = null; G.error(err); return; }
  await enhance({ upload });
}

// an AudioBuffer as a mono 16-bit PCM WAV at its own rate (the server resamples to 16 kHz)
function wavBlob(buffer) {
  const n = buffer.length, channels = buffer.numberOfChannels, mono = new Float32Array(n);
  for (let c = 0; c < channels; c++) { const d = buffer.getChannelData(c); for (let i = 0; i < n; i++) mono[i] += d[i] / channels; }
  const view = new DataView(new ArrayBuffer(44 + 2 * n));
  const text = (at, s) => { for (let i = 0; i < s.length; i++) view.setUint8(at + i, s.charCodeAt(i)); };
  text(0, "RIFF"); view.setUint32(4, 36 + 2 * n, true); text(8, "WAVE"); text(12, "fmt ");
  view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);  // PCM, mono
  view.setUint32(24, buffer.sampleRate, true); view.setUint32(28, 2 * buffer.sampleRate, true);
  view.setUint16(32, 2, true); view.setUint16(34, 16, true); text(36, "data"); view.setUint32(40, 2 * n, true);
  for (let i = 0; i < n; i++) view.setInt16(44 + 2 * i, Math.max(-32768, Math.min(32767, Math.round(mono[i] * 32768))), true);
  return new Blob([view], { type: "audio/wav" });
}

// a recording's compressed bytes (WebM/Opus from Chromium's MediaRecorder, which libsndfile cannot read)
// decoded by the browser itself, then uploaded as WAV
async function uploadRecording(blob) {
  const ctx = new AudioContext();
  try { return await uploadAndEnhance(wavBlob(await ctx.decodeAudioData(await blob.arrayBuffer())), "audio/wav"); }
  finally { ctx.close(); }
}

let recorder = null;
async function toggleRecording() {
  if (recorder) { recorder.stop(); return; }
  if (!navigator.mediaDevices || !window.MediaRecorder) { G.error(new Error("this browser cannot record audio here")); return; }
  let stream;
  try { stream = await navigator.mediaDevices.getUserMedia({ audio: true }); }
  catch (e) { G.error(new Error("no microphone to record from (" + e.message + ")")); return; }
  const parts = [];
  recorder = new MediaRecorder(stream);
  recorder.ondataavailable = (e) => parts.push(e.data);
  recorder.onstop = () => {
    stream.getTracks().forEach((t) => t.stop());
    recorder = null; G.$("#record").textContent = "Record";
    uploadRecording(new Blob(parts, { type: parts.length ? parts[0].type : "" })).catch((e) => G.error(e));
  };
  recorder.start();
  G.$("#record").textContent = "Stop recording";
}

async function describe(run, r) {
  const isGan = r.family === "audio-gan" || r.family === "mel-vae";
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
  G.$("#file").addEventListener("change", (e) => {
    const file = e.target.files[0];
    if (file) uploadAndEnhance(file, file.type || "application/octet-stream");
  });
  G.$("#record").addEventListener("click", toggleRecording);
  try {
    await G.runPicker(G.$("#run"), ["audio-gan", "mel-vae", "enhance"], async (run, r) => {
      try { await describe(run, r); } catch (e) { G.error(e); }
    });
  } catch (e) { G.error(e); }
});
