"""A run: its config, curves and sample grids over training time, updated live while it trains (the
page polls /metrics with the byte offset it has read up to)."""
from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.routing import Route

from genlab.studio.http import api, in_thread, number


def page(studio):
    from genlab.apps.runs import read_config, read_metrics_since, run_info, sample_grids
    from genlab.studio.pages import Page

    @api
    async def one_run(request):
        name = request.path_params["run"]

        def read():
            path = studio.run_dir(name)
            info = run_info(path).to_dict()
            if studio.training(name):
                info["status"] = "training"
            return {**info, "config": read_config(path), "grids": sample_grids(path)}
        return JSONResponse(await in_thread(read))

    @api
    async def metrics(request):
        name = request.path_params["run"]
        offset = number(request.query_params.get("offset"), "offset", int, 0, default=0)
        records, offset = await in_thread(lambda: read_metrics_since(studio.run_dir(name), offset))
        return JSONResponse({"records": records, "offset": offset, "training": studio.training(name)})

    return Page("run", "Run", [Route("/api/runs/{run}", one_run), Route("/api/runs/{run}/metrics", metrics)],
                families=("gan", "vae", "ae", "sr"), nav=False)
