"""Runs: a sortable table of every run under the runs folder, and a compare view (metrics side by
side, curves overlaid) drawn by the page from each run's metrics."""
from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.routing import Route

from genlab.studio.http import api, in_thread


def page(studio):
    from genlab.apps.runs import list_runs
    from genlab.studio.pages import Page

    @api
    async def all_runs(request):
        infos = await in_thread(list_runs, studio.root)
        rows = []
        for info in infos:
            row = info.to_dict()
            if studio.training(info.name):
                row["status"] = "training"
            rows.append(row)
        return JSONResponse({"runs": rows})

    return Page("runs", "Runs", [Route("/api/runs", all_runs)])
