"""Stylize: an uploaded photo through a style-transfer run (Johnson's one-style net, or AdaIN with a named
or uploaded style image and a content/style trade-off), shown beside the photo with a before/after slider."""
from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.routing import Route

from genlab.errors import GenlabError
from genlab.studio.http import api, cancellable, data_url, json_body, number
from genlab.studio.security import decode_image

MAX_SIDE = 1024  # the page stylizes at most this longest side (the photo is resized down to it)


def page(studio):
    from genlab.apps import fast_stylize
    from genlab.apps.stylize import resize_longest
    from genlab.data.styles import STYLES, style_image
    from genlab.apps.progress import step
    from genlab.studio.pages import Page

    def style_run(name: str):
        run = studio.run(name)
        if run.config.family != "style":
            raise GenlabError(f"stylizing needs a style-transfer (style) run; '{run.path.name}' is a "
                              f"{run.config.family} run")
        return run

    @api
    async def about(request):
        run = style_run(request.path_params["run"])
        net = run.config.model.net
        return JSONResponse({"net": net, "style": run.config.model.style if net == "johnson" else None,
                             "styles": {k: v.title for k, v in STYLES.items()}, "max_side": MAX_SIDE})

    @api
    async def stylize(request):
        body = await json_body(request)

        def go(cancel):
            run = style_run(request.path_params["run"])
            photo = decode_image(studio.upload(body.get("upload", "")), "RGB")
            style, alpha = None, 1.0
            if run.config.model.net != "johnson":
                alpha = number(body.get("alpha"), "alpha", float, 0, 1, default=1.0)
                if body.get("style_upload"):
                    style = decode_image(studio.upload(body["style_upload"]), "RGB")
                elif body.get("style") in STYLES:
                    style = style_image(body["style"])
                else:
                    raise GenlabError(f"style '{body.get('style')}' is unknown; expected one of "
                                      f"{', '.join(STYLES)} or an uploaded style image")
            resized = max(photo.shape[1:]) > MAX_SIDE
            if resized:  # the result and the photo beside it, at the same capped size
                photo = resize_longest(photo, MAX_SIDE)
            step(0, 1, cancel=cancel)  # a newer request from the page while this one waited
            with studio.lock:
                result = fast_stylize.stylize_with_run(run, photo, style, alpha=alpha)
            height, width = result.image.shape[1:]
            return {"output": data_url(result.image), "photo": data_url(photo),
                    "width": width, "height": height, "seconds": round(result.seconds, 3),
                    "net": run.config.model.net, "note": f"photo resized to {width}x{height}" if resized else ""}
        return JSONResponse(await cancellable(request, go))

    return Page("stylize", "Stylize", [Route("/api/runs/{run}/stylize", about),
                                       Route("/api/runs/{run}/stylize", stylize, methods=["POST"])],
                families=("style",))

