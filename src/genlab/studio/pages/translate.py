"""Translate: an uploaded image through a pix2pix or CycleGAN run, in either direction the run knows; the
input the model saw (optionally made from the upload by the run's own degradation: its edge map, its gray
version) beside the output."""
from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.routing import Route

from genlab.errors import GenlabError
from genlab.studio.http import api, cancellable, data_url, json_body
from genlab.studio.security import decode_image


def page(studio):
    from genlab.apps.translate import check_input_size, check_translation_run, translate_image
    from genlab.apps.progress import step
    from genlab.studio.pages import Page

    def translation_run(name: str, direction: str = "a2b"):
        run = studio.run(name)
        if run.config.family not in ("pix2pix", "cyclegan"):
            raise GenlabError(f"translating needs a pix2pix or cyclegan run; '{run.path.name}' is a "
                              f"{run.config.family} run")
        check_translation_run(run, direction)
        return run

    @api
    async def about(request):
        run = translation_run(request.path_params["run"])
        data = run.config.data
        return JSONResponse({"family": run.config.family, "directions": list(run.model.directions),
                             "derive": data.degradation or None, "channels": run.model.img_channels,
                             "min_side": run.model.min_input_size,
                             "domains": [data.name, getattr(data, "domain_b", None)]})

    @api
    async def translate(request):
        body = await json_body(request)

        def go(cancel):
            direction = str(body.get("direction", "a2b"))
            run = translation_run(request.path_params["run"], direction)
            derive = bool(body.get("derive", False))
            if derive and not run.config.data.degradation:
                raise GenlabError(f"run '{run.path.name}' learnt from two unpaired sets: there is no degradation "
                                  "to make its input from your image; send derive=false")
            image = decode_image(studio.upload(body.get("upload", "")), "RGB" if run.model.img_channels == 3 else "L")
            check_input_size(run, image.shape[2], image.shape[1], derive, "the upload")
            step(0, 1, cancel=cancel)  # a newer request from the page while this one waited
            with studio.lock:
                output, seen = translate_image(run, image, direction, derive_input=derive)
            return {"output": data_url(output), "input": data_url(seen), "direction": direction,
                    "width": int(output.shape[2]), "height": int(output.shape[1])}
        return JSONResponse(await cancellable(request, go))

    return Page("translate", "Translate", [Route("/api/runs/{run}/translate", about),
                                           Route("/api/runs/{run}/translate", translate, methods=["POST"])],
                families=("pix2pix", "cyclegan"))
