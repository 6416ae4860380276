"""Explore: a slider between two endpoints (one decoded frame per position), the whole walk as a strip,
and latent traversals (one row per latent dimension) for autoencoders and VAEs. An endpoint is a seed
or an uploaded image ("upload:ID"), encoded once (an encoder, or a GAN's latent optimisation) and kept."""
from __future__ import annotations

from collections import OrderedDict

from starlette.routing import Route

from genlab.errors import GenlabError
from genlab.studio.http import api, in_thread, number, png_response


MAX_LATENTS = 64  # encoded uploads kept


def _seed(value, name: str) -> int | str:
    """A seed, or "upload:ID" for an uploaded image."""
    from genlab.apps.sample import MAX_SEED
    if isinstance(value, str) and value.startswith("upload:"):
        return value
    return number(value, name, int, 0, MAX_SEED, default=0)


def page(studio):
    from genlab.apps.interpolate import interpolate, interpolate_at, traverse
    from genlab.apps.sample import parse_range_list
    from genlab.studio.pages import Page

    def common(request):
        q = request.query_params
        label = number(q.get("label"), "label", int, 0, default=None)
        return q, _seed(q.get("from"), "from"), _seed(q.get("to"), "to"), q.get("slerp") in ("1", "true"), label

    latents: OrderedDict = OrderedDict()

    def latent(run, spec, label):
        """A seed as it is; an upload's latent, encoded once per run checkpoint and label."""
        if not isinstance(spec, str):
            return spec
        from genlab.apps.images import labels_for
        from genlab.apps.interpolate import encode_images
        from genlab.studio.pages.restore import source_image

        key = (str(run.checkpoint), spec, label)
        if key not in latents:
            image, _, _ = source_image(studio, run, {"upload": spec.split(":", 1)[1]})
            latents[key] = encode_images(run.model, image, labels_for(run.model, None, 1, label or 0))
            while len(latents) > MAX_LATENTS:
                latents.popitem(last=False)
        return latents[key]

    def model_call(request, fn, *specs, label=None):
        def call():
            run = studio.run(request.path_params["run"])
            with studio.lock:
                return fn(run, *[latent(run, s, label) for s in specs])
        return in_thread(call)

    @api
    async def frame(request):
        q, a, b, slerp, label = common(request)
        t = number(q.get("t"), "t", float, 0, 1, default=0.5)
        images = await model_call(request, lambda run, a, b: interpolate_at(run.model, a, b, [t], slerp, label),
                                  a, b, label=label)
        return png_response(images, 1, padding=0)

    @api
    async def walk(request):
        q, a, b, slerp, label = common(request)
        steps = number(q.get("steps"), "steps", int, 2, 64, default=10)
        images = await model_call(request, lambda run, a, b: interpolate(run.model, a, b, steps, slerp, label),
                                  a, b, label=label)
        return png_response(images, steps)

    @api
    async def traversal(request):
        q = request.query_params
        dims = parse_range_list(q.get("dims") or "0-9", "dims", max_count=64)
        steps = number(q.get("steps"), "steps", int, 1, 32, default=7)
        span = number(q.get("range"), "range", float, 0.1, 20, default=3.0)
        label = number(q.get("label"), "label", int, 0, default=None)
        base = _seed(q.get("base"), "base")

        def go(run, base):
            if run.config.family not in ("ae", "vae"):
                raise GenlabError("a latent traversal needs an autoencoder or VAE run; GAN latents have no "
                                  "encoder-defined axes (use the interpolation slider)")
            return traverse(run.model, dims, -span, span, steps, base, label)
        images = await model_call(request, go, base, label=label)
        return png_response(images, steps)

    return Page("explore", "Explore", [Route("/api/runs/{run}/interpolate.png", frame),
                                      Route("/api/runs/{run}/walk.png", walk),
                                      Route("/api/runs/{run}/traverse.png", traversal)],
                families=("gan", "vae", "ae"))
