// Restore: pick or upload an image, add noise or paint a hole, see the model's result with PSNR
"use strict";
let source = null, image = null, painting = false, last = null;
const paint = () => G.$("#paint");
let mask = null;  // an offscreen canvas at the image's own size: white marks the hole

function setImage(src, newSource) {
  source = newSource;
  const img = new Image();
  img.onload = () => {
    image = img;
    const c = paint(); c.width = img.naturalWidth; c.height = img.naturalHeight;
    mask = document.createElement("canvas"); mask.width = c.width; mask.height = c.height;
    const m = mask.getContext("2d"); m.fillStyle = "#000"; m.fillRect(0, 0, c.width, c.height);
    redraw();
  };
  img.src = src;
}

function redraw() {
  const c = paint(), ctx = c.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(image, 0, 0);
  const data = mask.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  const over = ctx.getImageData(0, 0, c.width, c.height);
  for (let i = 0; i < data.length; i += 4) if (data[i] > 127) { over.data[i] = 255; over.data[i + 1] = 64; over.data[i + 2] = 160; }
  ctx.putImageData(over, 0, 0);
}

function dab(ev) {  // a round brush stroke from the last pointer position to this one
  const c = paint(), r = c.getBoundingClientRect();
  const x = (ev.clientX - r.left) / r.width * c.width, y = (ev.clientY - r.top) / r.height * c.height;
  const m = mask.getContext("2d"), radius = +G.$("#brush").value * c.width / 56;
  m.strokeStyle = m.fillStyle = "#fff"; m.lineWidth = 2 * radius; m.lineCap = "round";
  m.beginPath();
  if (last) { m.moveTo(last[0], last[1]); m.lineTo(x, y); m.stroke(); } else { m.arc(x, y, radius, 0, 2 * Math.PI); m.fill(); }
  last = [x, y];
  redraw();
}

function maskIsEmpty() {
  const d = mask.getContext("2d").getImageData(0, 0, mask.width, mask.height).data;
  for (let i = 0; i < d.length; i += 4) if (d[i] > 127) return false;
  return true;
}

async function loadPicks(run) {
  const box = G.$("#picks"); box.innerHTML = "";
  try {
    const { images } = await G.api("/api/runs/" + encodeURIComponent(run) + "/test-images?n=16");
    images.forEach((src, i) => {
      const img = document.createElement("img"); img.src = src; img.alt = "test image " + i; img.dataset.index = i;
      img.onclick = () => { box.querySelectorAll("img").forEach((x) => x.classList.remove("chosen")); img.classList.add("chosen"); setImage(src, { test: i }); };
      box.append(img);
    });
    if (images.length) box.firstChild.click();
  } catch (e) { G.error(e); }
}

async function restore() {
  const run = G.$("#run").value, task = G.$("#task").value;
  if (!source) { G.error(new Error("pick a test image or upload one first")); return; }
  const body = { task, source, noise: G.$("#noise").value, iterations: +G.$("#iterations").value };
  if (task === "inpaint") {
    if (maskIsEmpty()) { G.error(new Error("paint the hole to fill on the image first")); return; }
    body.mask = mask.toDataURL("image/png");
  }
  G.$("#go").disabled = true;
  try {
    const out = await G.api("/api/runs/" + encodeURIComponent(run) + "/restore", { method: "POST", json: body });
    const corrupted = out.images.noisy || out.images.masked || out.images.input;
    await Promise.all([[G.$("#before"), corrupted], [G.$("#after"), out.images.output]].map(([img, src]) =>
      new Promise((ok) => { img.onload = ok; img.src = src; })));
    const q = G.$("#quality"); q.innerHTML = "";
    for (const [k, v] of Object.entries(out.quality)) {
      const tr = document.createElement("tr"); tr.innerHTML = "<th></th><td class='num'></td>";
      tr.children[0].textContent = k; tr.children[1].textContent = typeof v === "number" ? v.toFixed(2) + (k.startsWith("psnr") ? " dB" : "") : String(v);
      tr.dataset.key = k; q.append(tr);
    }
    G.$("#note").textContent = out.note;
    G.error(null);
  } catch (e) { G.error(e); } finally { G.$("#go").disabled = false; }
}

document.addEventListener("DOMContentLoaded", async () => {
  G.nav("restore");
  G.compare(G.$("#compare"), G.$("#split"));
  const c = paint();
  c.addEventListener("pointerdown", (e) => { if (!mask) return; painting = true; last = null; c.setPointerCapture(e.pointerId); dab(e); });
  c.addEventListener("pointermove", (e) => { if (painting) dab(e); });
  c.addEventListener("pointerup", () => { painting = false; last = null; });
  G.$("#clear").addEventListener("click", () => { if (image) setImage(image.src, source); });
  G.$("#go").addEventListener("click", restore);
  G.$("#task").addEventListener("change", () => { G.$("#noise").disabled = G.$("#task").value !== "denoise"; });
  G.$("#file").addEventListener("change", async (e) => {
    const file = e.target.files[0]; if (!file) return;
    try {
      const up = await G.upload(file);
      G.$("#picks").querySelectorAll("img").forEach((x) => x.classList.remove("chosen"));
      setImage(URL.createObjectURL(file), { upload: up.id });
      G.error(null);
    } catch (err) { G.error(err); }
  });
  try { await G.runPicker(G.$("#run"), ["ae", "vae"], (run) => loadPicks(run)); } catch (e) { G.error(e); }
});
