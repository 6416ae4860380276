"""Replace one "## heading" section of benchmarks/RESULTS.md (or append it), atomically."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def write_section(heading: str, text: str) -> None:
    """`text` starts with `heading`; it replaces that section, up to the next "## " heading."""
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = text.rstrip("\n") + "\n\n"
    new = pattern.sub(lambda _: text, old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + text
    tmp = RESULTS.with_suffix(".md.tmp")
    tmp.write_text(new.rstrip("\n") + "\n")
    os.replace(tmp, RESULTS)


def write_report(path: str | Path, report: dict) -> None:
    """Write a benchmark's json record (atomically) and print it."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n")
    os.replace(tmp, path)
    print(json.dumps(report, indent=2))
