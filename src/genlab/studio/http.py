"""Small helpers the page modules share: the JSON error boundary of every API route, query and body
parsing with one-line errors, and images as PNG responses or data URLs."""
from __future__ import annotations

import asyncio
import base64
import functools
import io
import json
import logging
import math
import threading
from typing import Awaitable, Callable

import numpy as np
import torch
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from genlab.errors import CheckpointError, GenlabError, describe_error
from genlab.studio.security import MAX_UPLOAD_BYTES, Forbidden, TooLarge

log = logging.getLogger("genlab")
MAX_JSON_BYTES = 4 * MAX_UPLOAD_BYTES // 3 + 65536  # a JSON body may carry one image as a data URL


class NotFound(CheckpointError):
    """A run or file that is not (or no longer) there."""


def status_of(exc: BaseException) -> int:
    """The HTTP status for an exception: 403, 404, 413, 400 for other user errors, 500 for bugs."""
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, NotFound) or (isinstance(exc, CheckpointError) and "does not exist" in str(exc)):
        return 404
    if isinstance(exc, TooLarge):
        return 413
    if isinstance(exc, GenlabError):
        return 400
    return 500 if describe_error(exc)[0] == 1 else 400


def api(fn: Callable[[Request], Awaitable[Response]]):
    """Wrap an endpoint so that every failure is a JSON {"error": one line} with a status, and the server
    keeps running."""
    @functools.wraps(fn)
    async def endpoint(request: Request) -> Response:
        try:
            return await fn(request)
        except Exception as exc:  # the one boundary: nothing reaches the client as a traceback
            status = status_of(exc)
            if status == 500:
                log.exception("studio: %s %s failed", request.method, request.url.path)
            return JSONResponse({"error": describe_error(exc)[1]}, status_code=status)
    return endpoint


async def in_thread(fn, *args, **kwargs):
    """Run blocking work (a model, a file) off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)


POLL_SECONDS = 0.1  # how often a long request checks that its client is still there


async def cancellable(request: Request, fn: Callable, *args, **kwargs):
    """Run blocking `fn(*args, cancel=..., **kwargs)` off the event loop, where cancel() turns True once
    the client has gone away (a closed tab, an aborted fetch, a newer request from the same page), so
    long work stops at its next check instead of running on for nobody while others wait on the lock."""
    gone = threading.Event()

    async def watch() -> None:
        while not gone.is_set():
            if await request.is_disconnected():
                log.info("studio: the client of %s went away; its work stops", request.url.path)
                gone.set()
                return
            await asyncio.sleep(POLL_SECONDS)

    watcher = asyncio.create_task(watch())
    try:
        return await in_thread(fn, *args, cancel=gone.is_set, **kwargs)
    finally:
        gone.set()  # ends the watcher (and tells the work, if it is still going, that nobody waits)
        watcher.cancel()


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with TooLarge as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the request body is {int(declared):,} bytes, over the limit of {limit:,}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the request body is over the limit of {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def json_body(request: Request) -> dict:
    """The request's JSON object body (size-capped)."""
    data = await read_body(request, MAX_JSON_BYTES)
    try:
        body = json.loads(data or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise GenlabError("the request body is not JSON") from None
    if not isinstance(body, dict):
        raise GenlabError("the request body must be a JSON object")
    return body


REQUIRED = object()


def number(value, name: str, kind=float, lo: float | None = None, hi: float | None = None, default=REQUIRED):
    """A query or body value as int/float in [lo, hi]; `default` when absent (required without one)."""
    if value is None or value == "":
        if default is REQUIRED:
            raise GenlabError(f"'{name}' is required")
        return default
    try:
        out = kind(value)
    except (TypeError, ValueError):
        raise GenlabError(f"'{name}' = '{value}' is not {'a whole number' if kind is int else 'a number'}") from None
    if isinstance(out, float) and not math.isfinite(out):
        raise GenlabError(f"'{name}' = '{value}' is not a finite number")
    if (lo is not None and out < lo) or (hi is not None and out > hi):
        raise GenlabError(f"'{name}' = {value} is out of range; expected {lo:g} to {hi:g}" if hi is not None
                          else f"'{name}' = {value} is out of range; expected >= {lo:g}")
    return out


def png_bytes(images: torch.Tensor, nrow: int | None = None, padding: int = 2) -> bytes:
    """PNG bytes of a grid of images in [-1, 1] (N, C, H, W), or of one uint8 (C, H, W) image."""
    from genlab.viz import make_grid, to_pil

    if images.dtype == torch.uint8 and images.ndim == 3:
        array = images.permute(1, 2, 0).numpy()
    else:
        array = make_grid(images, nrow, padding=padding)
    buf = io.BytesIO()
    to_pil(np.ascontiguousarray(array)).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def png_response(images: torch.Tensor, nrow: int | None = None, padding: int = 2, filename: str = "image.png") -> Response:
    """A PNG response (not cached: the same URL may give another image after more training)."""
    return Response(png_bytes(images, nrow, padding), media_type="image/png",
                    headers={"Cache-Control": "no-store", "Content-Disposition": f'inline; filename="{filename}"'})


def data_url(images: torch.Tensor, nrow: int | None = None, padding: int = 0) -> str:
    """A data: URL of png_bytes(images)."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(images, nrow, padding)).decode()


def decode_data_url(url: str) -> bytes:
    """The bytes of a base64 data: URL (a painted mask, an image sent inline)."""
    head, sep, payload = str(url).partition(",")
    if not (sep and head.startswith("data:") and head.endswith(";base64")):
        raise GenlabError("expected an image as a base64 data: URL")
    try:
        return base64.b64decode(payload, validate=True)
    except ValueError:
        raise GenlabError("the image data URL is not valid base64") from None
