"""Upscale: an uploaded image through a super-resolution run, shown beside its bicubic upscale with a
before/after slider."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from starlette.responses import JSONResponse
from starlette.routing import Route

from genlab.errors import GenlabError
from genlab.studio.http import api, cancellable, json_body, png_bytes
from genlab.studio.security import decode_image

MAX_INPUT_PIXELS = 1024 * 1024  # what the page upscales in one request


def page(studio):
    import base64

    from genlab.apps.upscale import upscale_image
    from genlab.studio.pages import Page

    def url(image: torch.Tensor) -> str:
        return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode()

    @api
    async def upscale(request):
        body = await json_body(request)

        def go(cancel):
            run = studio.run(request.path_params["run"])
            if run.config.family != "sr":
                raise GenlabError(f"upscaling needs a super-resolution (sr) run; '{run.path.name}' is a "
                                  f"{run.config.family} run")
            image = decode_image(studio.upload(body.get("upload", "")), "RGB" if run.model.img_channels == 3 else "L")
            if image.shape[1] * image.shape[2] > MAX_INPUT_PIXELS:
                raise GenlabError(f"the image is {image.shape[2]}x{image.shape[1]}; the studio upscales at most "
                                  f"{MAX_INPUT_PIXELS:,} pixels (use `genlab upscale` for larger ones)")
            with studio.lock:  # cancel: the page sent a newer image, or was closed, while this one waited or ran
                output = upscale_image(run.model, image, cancel=cancel)
            s = run.model.scale
            bicubic = F.interpolate(image[None].float(), scale_factor=s, mode="bicubic", align_corners=False)
            bicubic = bicubic.clamp(0, 255).round().to(torch.uint8)[0]
            return {"output": url(output), "bicubic": url(bicubic), "scale": s,
                    "width": int(output.shape[2]), "height": int(output.shape[1])}
        return JSONResponse(await cancellable(request, go))

    return Page("upscale", "Upscale", [Route("/api/runs/{run}/upscale", upscale, methods=["POST"])],
                families=("sr",))
