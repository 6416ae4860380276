"""genlab studio: a local web app over genlab.apps (`genlab studio`, needs `pip install 'genlab[studio]'`).

server.py builds the Starlette app from the page table in pages/__init__.py; each page is one module
(its API routes) and one static HTML file under static/ (plain HTML/JS/CSS, no build step, no CDN).
"""
