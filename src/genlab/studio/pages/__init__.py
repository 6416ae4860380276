"""The studio's pages, one module each, listed in PAGES (a plain table, no auto-discovery).

A page is a static HTML file under studio/static/ plus the API routes it needs. A new application
adds its page by writing one module with a `page(studio) -> Page` function and one line below.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from genlab.studio.pages import audio, explore, restore, run, runs, sample, stylize, train, translate, upscale


@dataclass
class Page:
    """name: its URL (/name) and static/name.html; families: the run families it applies to (None: a
    page not about one run); nav: listed in the top bar."""
    name: str
    title: str
    routes: list = field(default_factory=list)
    families: tuple[str, ...] | None = None
    nav: bool = True


PAGES = [runs.page, run.page, sample.page, explore.page, restore.page, upscale.page, stylize.page, translate.page,
         audio.page, train.page]
