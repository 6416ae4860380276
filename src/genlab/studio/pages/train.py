"""Train: start a preset with overrides (or resume a run of the runs folder) in a background thread of
the server, watch it, stop it with its checkpoint kept. Starting and stopping change state: they need the page's token (server.py)."""
from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.routing import Route

from genlab.errors import GenlabError
from genlab.studio.http import api, in_thread, json_body, number

MAX_RUNNING = 2  # training jobs at once (each takes the CPU cores it can get)


def _overrides(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip() and not line.strip().startswith("#")]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise GenlabError('"overrides" must be a list of key.sub=value strings, or lines of them')


def page(studio):
    from genlab.apps.training import TrainingJob, train_config
    from genlab.config import load_config, preset_names
    from genlab.studio.pages import Page

    @api
    async def presets(request):
        def read():
            rows = []
            for name in preset_names():
                cfg = load_config(name)
                rows.append({"name": name, "family": cfg.family, "description": cfg.description})
            return rows
        return JSONResponse({"presets": await in_thread(read)})

    def job_row(job_id: str, job) -> dict:
        return {"id": job_id, **job.state()}

    @api
    async def jobs(request):
        return JSONResponse({"jobs": [job_row(i, j) for i, j in reversed(list(studio.jobs.items()))]})

    @api
    async def start(request):
        body = await json_body(request)
        preset, resume = body.get("preset"), body.get("resume")
        if resume is not None and (not isinstance(resume, str) or not resume):
            raise GenlabError('"resume" must be the name of a run in the runs folder')
        if not resume and (not isinstance(preset, str) or not preset):
            raise GenlabError('"preset" is required: a preset name (see the list), or "resume": a run name')
        if sum(j.alive for j in studio.jobs.values()) >= MAX_RUNNING:
            raise GenlabError(f"{MAX_RUNNING} training runs are going already; stop one first")
        limits = {"steps": number(body.get("steps"), "steps", int, 1, 10**9, default=None),
                  "minutes": number(body.get("minutes"), "minutes", float, 0.01, 10**6, default=None)}
        overrides = _overrides(body.get("overrides"))
        if resume:  # the run's own config (its preset), the new limits and overrides on top
            run_dir = studio.run_dir(resume)
            if studio.training(resume):
                raise GenlabError(f"run '{resume}' is training already; stop it before resuming it")
            cfg = await in_thread(train_config, None, overrides, resume=str(run_dir), limits=limits)
            job = TrainingJob(cfg, resume=str(run_dir)).start()
        else:
            cfg = await in_thread(train_config, preset, overrides, limits=limits,
                                  train_settings={"out": str(studio.root)})
            job = TrainingJob(cfg).start()
        job_id = studio.add_job(job)
        return JSONResponse(job_row(job_id, job), status_code=201)

    @api
    async def one(request):
        job_id = request.path_params["job"]
        return JSONResponse(job_row(job_id, studio.job(job_id)))

    @api
    async def stop(request):
        job_id = request.path_params["job"]
        job = studio.job(job_id)
        job.stop()
        return JSONResponse(job_row(job_id, job))

    return Page("train", "Train", [Route("/api/presets", presets), Route("/api/jobs", jobs),
                                  Route("/api/jobs", start, methods=["POST"]), Route("/api/jobs/{job}", one),
                                  Route("/api/jobs/{job}/stop", stop, methods=["POST"])])
