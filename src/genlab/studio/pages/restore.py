"""Restore: a test image or an upload, noise added or a hole painted with a brush, and the
autoencoder's denoised or inpainted result with its PSNR."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from starlette.responses import JSONResponse
from starlette.routing import Route

from genlab.errors import GenlabError
from genlab.studio.http import api, data_url, decode_data_url, in_thread, json_body, number
from genlab.studio.security import decode_image

MAX_TEST_IMAGES = 64


def source_image(studio, run, source: dict) -> tuple[torch.Tensor, torch.Tensor | None, str]:
    """(image (1, C, H, W) in [-1, 1] at the model's size, its label or None, a note) from
    {"test": i} (the run's i-th held-out image) or {"upload": id} (resized to the model's size)."""
    from genlab.apps.images import held_out_images

    c, h, w = run.model.img_shape
    if not isinstance(source, dict):
        raise GenlabError('"source" must be {"test": INDEX} or {"upload": ID}')
    if "test" in source:
        i = number(source["test"], "source.test", int, 0, MAX_TEST_IMAGES - 1)
        images, labels = held_out_images(run.config, i + 1)
        if i >= len(images):
            raise GenlabError(f"test image {i} does not exist; the run's data has {len(images)}")
        return images[i:i + 1], labels[i:i + 1] if labels is not None else None, f"test image {i}"
    if "upload" in source:
        image = decode_image(studio.upload(source["upload"]), "L" if c == 1 else "RGB")
        note = "upload"
        x = image[None].float() / 127.5 - 1
        if tuple(image.shape[1:]) != (h, w):
            note = f"upload resized from {image.shape[2]}x{image.shape[1]} to {w}x{h}"
            x = F.interpolate(x, size=(h, w), mode="bilinear", antialias=True, align_corners=False).clamp(-1, 1)
        return x, None, note
    raise GenlabError('"source" must be {"test": INDEX} or {"upload": ID}')


def page(studio):
    from genlab.apps.images import held_out_images, labels_for
    from genlab.apps.restore import denoise_report, inpaint_report, reconstruct_report
    from genlab.studio.pages import Page

    @api
    async def test_images(request):
        n = number(request.query_params.get("n"), "n", int, 1, MAX_TEST_IMAGES, default=16)

        def read():
            run = studio.run(request.path_params["run"])
            images, _ = held_out_images(run.config, n)
            return [data_url(img[None]) for img in images]
        return JSONResponse({"images": await in_thread(read)})

    @api
    async def restore(request):
        body = await json_body(request)
        task = body.get("task", "denoise")
        if task not in ("reconstruct", "denoise", "inpaint"):
            raise GenlabError(f"task '{task}' is unknown; known: reconstruct, denoise, inpaint")
        seed = number(body.get("seed"), "seed", int, 0, 2**31, default=0)
        iterations = number(body.get("iterations"), "iterations", int, 1, 200, default=1)
        label = number(body.get("label"), "label", int, 0, default=None)
        mask_bytes = decode_data_url(body["mask"]) if task == "inpaint" and body.get("mask") else None

        def go():
            run = studio.run(request.path_params["run"])
            if run.config.family not in ("ae", "vae"):
                raise GenlabError(f"restoration needs an ae or vae run; '{run.path.name}' is a {run.config.family} run")
            image, labels, note = source_image(studio, run, body.get("source"))
            labels = labels_for(run.model, labels, 1, label)
            with studio.lock:
                if task == "reconstruct":
                    result = reconstruct_report(run.model, image, labels)
                elif task == "denoise":
                    result = denoise_report(run.model, image, str(body.get("noise") or "gaussian:0.5"), labels, seed)
                else:
                    result = inpaint_report(run.model, image, _known(mask_bytes, image), iterations, labels)
            return {"images": {k: data_url(v) for k, v in result.columns.items()},
                    "quality": result.quality, "note": note}
        return JSONResponse(await in_thread(go))

    return Page("restore", "Restore", [Route("/api/runs/{run}/test-images", test_images),
                                      Route("/api/runs/{run}/restore", restore, methods=["POST"])],
                families=("ae", "vae"))


def _known(mask_bytes: bytes | None, image: torch.Tensor) -> torch.Tensor:
    """known (1, 1, H, W) from a painted mask PNG whose white pixels mark the hole (the centre when none)."""
    from genlab.apps.restore import make_mask

    _, _, h, w = image.shape
    if mask_bytes is None:
        return make_mask("center", 1, h, w)
    mask = decode_image(mask_bytes, "L")
    if tuple(mask.shape[1:]) != (h, w):  # painted over an upload shown at its own size
        mask = F.interpolate(mask[None].float(), size=(h, w), mode="nearest")[0]
    hole = mask[0] > 127
    if not hole.any():
        raise GenlabError("the mask is empty: paint the hole to fill with the brush first")
    return (~hole)[None, None]
