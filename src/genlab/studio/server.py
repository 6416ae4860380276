"""The studio's web server: the pages of pages/PAGES, their API routes, the run files and uploads,
with the guards of security.py. `create_app` for tests and embedding, `serve` for `genlab studio`."""
from __future__ import annotations

import contextlib
import logging
import mimetypes
from importlib import resources
from pathlib import Path

from genlab.errors import GenlabError

log = logging.getLogger("genlab")

STATIC = resources.files("genlab.studio") / "static"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
# the pages load nothing from elsewhere; the browser enforces it too (the audio page plays WAVs as data: URLs)
CSP = ("default-src 'self'; img-src 'self' data: blob:; media-src 'self' data:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _import_starlette():
    try:
        import starlette  # noqa: F401
    except ImportError:
        raise GenlabError("the studio needs starlette and uvicorn: pip install 'genlab[studio]'") from None


def create_app(runs: str | Path, *, allowed_hosts: list[str] | None = None, token: str | None = None):
    """The Starlette app serving the studio over the run folders under `runs`. Requests must name one
    of `allowed_hosts` in their Host header (127.0.0.1 and localhost by default: DNS rebinding)."""
    _import_starlette()
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from genlab.studio.http import NotFound, api, in_thread, read_body
    from genlab.studio.pages import PAGES
    from genlab.studio.security import MAX_UPLOAD_BYTES, check_state_change, confined, decode_image
    from genlab.studio.state import Studio

    root = Path(runs)
    if not root.is_dir():
        raise GenlabError(f"runs folder '{root}' is not a folder")
    studio = Studio(root, token)
    pages = [make(studio) for make in PAGES]

    def page_html(page):
        async def html(request):
            text = (STATIC / f"{page.name}.html").read_text(encoding="utf-8")
            return HTMLResponse(text.replace("{{token}}", studio.token),
                                headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store",
                                         "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})
        return html

    @api
    async def page_list(request):
        return JSONResponse({"pages": [{"name": p.name, "title": p.title, "families": p.families, "nav": p.nav}
                                       for p in pages]})

    @api
    async def run_file(request):
        path = confined(studio.root, request.path_params["run"], *request.path_params["path"].split("/"))
        if not path.is_file():
            raise NotFound(f"file '{request.path_params['run']}/{request.path_params['path']}' does not exist")
        data = await in_thread(path.read_bytes)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind == "text/html":  # a run folder is data, never a page of this origin
            kind = "text/plain"
        return Response(data, media_type=kind, headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

    @api
    async def upload(request):
        data = await read_body(request, MAX_UPLOAD_BYTES)
        image = await in_thread(decode_image, data)
        return JSONResponse({"id": studio.add_upload(data), "channels": int(image.shape[0]),
                             "width": int(image.shape[2]), "height": int(image.shape[1])}, status_code=201)

    routes = [Route("/", lambda request: RedirectResponse("/runs")), Route("/api/pages", page_list),
              Route("/files/{run}/{path:path}", run_file), Route("/api/uploads", upload, methods=["POST"]),
              Mount("/static", StaticFiles(directory=str(STATIC)), name="static")]
    for page in pages:
        routes.append(Route(f"/{page.name}", page_html(page)))
        routes.extend(page.routes)

    class StateChangeGuard:
        """Every request but GET/HEAD needs the token and, from a browser, this server's Origin."""

        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
                from starlette.datastructures import Headers
                try:
                    check_state_change(Headers(scope=scope), studio.token)
                except GenlabError as exc:
                    await JSONResponse({"error": str(exc)}, status_code=403)(scope, receive, send)
                    return
            await self.app(scope, receive, send)

    async def not_found(request, exc):
        status = getattr(exc, "status_code", 404)
        return JSONResponse({"error": f"{request.method} {request.url.path}: {getattr(exc, 'detail', 'not found')}"},
                            status_code=status)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        await in_thread(studio.stop_jobs)  # training runs end with a checkpoint when the server stops

    hosts = list(allowed_hosts or LOCAL_HOSTS)
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: not_found, 405: not_found}, middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts),
                                               Middleware(StateChangeGuard)])
    app.state.studio = studio
    return app


def serve(runs: str | Path = "runs", host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the studio until Ctrl-C. Another host than localhost is served when asked, with a warning."""
    _import_starlette()
    try:
        import uvicorn
    except ImportError:
        raise GenlabError("the studio needs uvicorn: pip install 'genlab[studio]'") from None
    hosts = list(LOCAL_HOSTS)
    if host not in LOCAL_HOSTS:
        log.warning("studio: serving on %s: anyone who can reach this address can see your runs and start "
                    "training; the default, 127.0.0.1, is reachable from this machine only", host)
        hosts = ["*"]
    app = create_app(runs, allowed_hosts=hosts)
    log.info("genlab studio: http://%s:%d/ (runs from %s; Ctrl-C to stop)", "127.0.0.1" if host in ("0.0.0.0", "::") else host, port, runs)
    uvicorn.run(app, host=host, port=port, log_level="warning")
