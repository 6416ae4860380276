// The page's latents: image i of a grid from seed s uses webLatents(s + i): standard normal draws by
// Box-Muller from a mulberry32 stream, the same as genlab.apps.webexport.web_latents in Python, so the
// page's pixels can be checked against PyTorch's for the same seed.
"use strict";

function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6D2B79F5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function webLatents(seed, dim, out, offset) {
  const next = mulberry32(seed);
  for (let i = 0; i < dim; i += 2) {
    const u1 = (next() + 1) / 4294967297;
    const u2 = next() / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1));
    out[offset + i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < dim) out[offset + i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
}
