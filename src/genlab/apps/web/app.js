// Samples an 8x8 grid from generator.onnx with ONNX Runtime Web (WebAssembly, one thread); the latents
// come from latents.js.
"use strict";

const statusLine = document.getElementById("status");
function say(text, error) {
  statusLine.textContent = text;
  statusLine.className = error ? "error" : "";
}

let session = null;
let meta = null;

async function sample() {
  const seed = Number(document.getElementById("seed").value);
  if (!Number.isInteger(seed) || seed < 0 || seed > 4294967295) {
    say(`seed '${document.getElementById("seed").value}' is not a whole number in 0-4294967295`, true);
    return;
  }
  const n = meta.grid * meta.grid, dim = meta.latent_dim;
  const z = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) webLatents((seed + i) >>> 0, dim, z, i * dim);
  const feeds = { z: new ort.Tensor("float32", z, [n, dim]) };
  if (meta.num_classes) {
    const choice = document.getElementById("label").value;
    const labels = new BigInt64Array(n);
    for (let i = 0; i < n; i++) labels[i] = BigInt(choice === "cycle" ? i % meta.num_classes : Number(choice));
    feeds.labels = new ort.Tensor("int64", labels, [n]);
  }
  const started = performance.now();
  const result = await session.run(feeds);
  draw(result[meta.output].data);
  say(`sampled seeds ${seed}-${seed + n - 1} in ${Math.round(performance.now() - started)} ms`);
}

function draw(pixels) {  // (n, C, H, W) float32 in [-1, 1] -> a grid with 2 px of black between images
  const { grid, channels: c, height: h, width: w } = meta, pad = 2;
  const canvas = document.getElementById("grid");
  canvas.width = grid * (w + pad) + pad;
  canvas.height = grid * (h + pad) + pad;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(canvas.width, canvas.height);
  for (let k = 3; k < image.data.length; k += 4) image.data[k] = 255;
  const level = (v) => Math.min(255, Math.max(0, Math.round((v + 1) * 127.5)));
  for (let i = 0; i < grid * grid; i++) {
    const top = pad + Math.floor(i / grid) * (h + pad), left = pad + (i % grid) * (w + pad);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const at = 4 * ((top + y) * canvas.width + left + x);
        for (let ch = 0; ch < 3; ch++) {
          const src = ((i * c + (c === 3 ? ch : 0)) * h + y) * w + x;
          image.data[at + ch] = level(pixels[src]);
        }
      }
    }
  }
  ctx.putImageData(image, 0, 0);
}

async function main() {
  try {
    meta = await (await fetch("model.json")).json();
    document.getElementById("title").textContent = `genlab samples: ${meta.preset} (${meta.run})`;
    if (meta.num_classes) {
      const select = document.getElementById("label");
      for (let k = 0; k < meta.num_classes; k++) select.add(new Option(`all ${k}`, String(k)));
      document.getElementById("label-box").hidden = false;
    }
    ort.env.wasm.numThreads = 1;  // no cross-origin isolation on a plain static server
    ort.env.wasm.wasmPaths = new URL("./", location.href).href;
    session = await ort.InferenceSession.create(meta.model, { executionProviders: ["wasm"] });
    const button = document.getElementById("sample");
    button.disabled = false;
    button.addEventListener("click", () => sample().catch((e) => say(`sampling failed: ${e}`, true)));
    await sample();
  } catch (e) {
    say(`could not load the model: ${e}`, true);
  }
}

main();
