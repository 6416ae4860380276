"""Explore: a slider between two seeds (one decoded frame per position), the whole walk as a strip,
and latent traversals (one row per latent dimension) for autoencoders and VAEs."""
from __future__ import annotations

from starlette.routing import Route

from genlab.errors import GenlabError
from genlab.studio.http import api, in_thread, number, png_response


def _seed(value, name: str) -> int:
    from genlab.apps.sample import MAX_SEED
    return number(value, name, int, 0, MAX_SEED, default=0)


def page(studio):
    from genlab.apps.interpolate import interpolate, interpolate_at, traverse
    from genlab.apps.sample import parse_range_list
    from genlab.studio.pages import Page

    def common(request):
        q = request.query_params
        label = number(q.get("label"), "label", int, 0, default=None)
        return q, _seed(q.get("from"), "from"), _seed(q.get("to"), "to"), q.get("slerp") in ("1", "true"), label

    def model_call(request, fn):
        def call():
            run = studio.run(request.path_params["run"])
            with studio.lock:
                return fn(run)
        return in_thread(call)

    @api
    async def frame(request):
        q, a, b, slerp, label = common(request)
        t = number(q.get("t"), "t", float, 0, 1, default=0.5)
        images = await model_call(request, lambda run: interpolate_at(run.model, a, b, [t], slerp, label))
        return png_response(images, 1, padding=0)

    @api
    async def walk(request):
        q, a, b, slerp, label = common(request)
        steps = number(q.get("steps"), "steps", int, 2, 64, default=10)
        images = await model_call(request, lambda run: interpolate(run.model, a, b, steps, slerp, label))
        return png_response(images, steps)

    @api
    async def traversal(request):
        q = request.query_params
        dims = parse_range_list(q.get("dims") or "0-9", "dims", max_count=64)
        steps = number(q.get("steps"), "steps", int, 1, 32, default=7)
        span = number(q.get("range"), "range", float, 0.1, 20, default=3.0)
        label = number(q.get("label"), "label", int, 0, default=None)
        base = _seed(q.get("base"), "base")

        def go(run):
            if run.config.family not in ("ae", "vae"):
                raise GenlabError("a latent traversal needs an autoencoder or VAE run; GAN latents have no "
                                  "encoder-defined axes (use the interpolation slider)")
            return traverse(run.model, dims, -span, span, steps, base, label)
        images = await model_call(request, go)
        return png_response(images, steps)

    return Page("explore", "Explore", [Route("/api/runs/{run}/interpolate.png", frame),
                                      Route("/api/runs/{run}/walk.png", walk),
                                      Route("/api/runs/{run}/traverse.png", traversal)],
                families=("gan", "vae", "ae"))
