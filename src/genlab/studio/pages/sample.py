"""Sample: a grid of images by seed (labels for conditional models, truncation for GANs), as a PNG the
page shows and downloads."""
from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.routing import Route

from genlab.errors import GenlabError
from genlab.studio.http import api, cancellable, in_thread, number, png_response

MAX_IMAGES = 1024  # one grid


def page(studio):
    from genlab.apps.sample import parse_range_list, parse_seeds, sample_seeds
    from genlab.studio.pages import Page

    @api
    async def sample(request):
        q = request.query_params
        seeds = parse_seeds(q.get("seeds") or "0-63")
        if len(seeds) > MAX_IMAGES:
            raise GenlabError(f"seeds '{q.get('seeds')}' name {len(seeds)} images; the studio draws at most {MAX_IMAGES}")
        labels = parse_range_list(q["labels"], "labels") if q.get("labels") else None
        truncation = number(q.get("truncation"), "truncation", float, 1e-3, 100, default=None)
        nrow = number(q.get("nrow"), "nrow", int, 1, 256, default=None)

        def draw(cancel):
            run = studio.run(request.path_params["run"])
            with studio.lock:
                return sample_seeds(run.model, seeds, labels, truncation=truncation, batch_size=64, cancel=cancel)
        images = await cancellable(request, draw)
        return png_response(images, nrow, filename=f"{request.path_params['run']}-samples.png")

    @api
    async def model(request):
        def read():
            run = studio.run(request.path_params["run"])
            shape = getattr(run.model, "img_shape", None)
            return {"run": run.path.name, "family": run.config.family, "num_classes": int(run.model.num_classes),
                    "image": list(shape) if shape else None, "step": run.step}
        return JSONResponse(await in_thread(read))

    return Page("sample", "Sample", [Route("/api/runs/{run}/sample.png", sample),
                                    Route("/api/runs/{run}/model", model)], families=("gan", "vae", "ae"))
