"""Lighthouse scores for the built handbook: ``python -m tfhandbook.tools.audit SITE LIGHTHOUSE``.

Serves the built site on localhost, runs Lighthouse (with the system Chromium) on the
landing page and two chapters, and prints the four category scores of each, with the aims
the handbook holds itself to. ``nox -s audit`` installs Lighthouse and calls this.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tfhandbook.settings import NO_CHROMIUM, find_chromium
from tfhandbook.tools.serving import served

PAGES = (
    "index.html",
    "custom-models/custom-losses.html",
    "custom-training/gradient-tape.html",
)
AIMS = {"performance": 95, "accessibility": 95, "best-practices": 90, "seo": 90}
#: The timings behind the performance score, printed under each page's scores.
METRICS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "speed-index": "SI",
    "total-blocking-time": "TBT",
    "cumulative-layout-shift": "CLS",
}


def chromium() -> str:
    path = find_chromium()
    if not path:
        sys.exit(f"the audit needs Chromium: {NO_CHROMIUM}")
    return path


def audit(lighthouse: Path, url: str, report: Path) -> tuple[dict[str, int], str]:
    """Run Lighthouse on `url`; return each category's score out of 100, and the timings
    behind the performance score as one line."""
    command = [
        str(lighthouse),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        "--chrome-flags=--headless=new --no-sandbox",
        "--only-categories=performance,accessibility,best-practices,seo",
    ]
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": chromium()})
    result = json.loads(report.read_text(encoding="utf-8"))
    scores = {name: round(item["score"] * 100) for name, item in result["categories"].items()}
    audits = result["audits"]
    timings = ", ".join(
        f"{short} {audits[name]['displayValue']}".replace("\xa0", " ")
        for name, short in METRICS.items()
    )
    return scores, timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built HTML, e.g. docs/_build/html")
    parser.add_argument("lighthouse", type=Path, help="the lighthouse executable")
    parser.add_argument("--pages", nargs="*", default=list(PAGES))
    args = parser.parse_args(argv)
    failures = 0
    print(f"{'page':45}" + "".join(f"{name:>16}" for name in AIMS))
    with served(args.site) as base, tempfile.TemporaryDirectory() as folder:
        for page in args.pages:
            scores, timings = audit(args.lighthouse, f"{base}/{page}", Path(folder) / "report.json")
            cells = []
            for name, aim in AIMS.items():
                below = scores[name] < aim
                failures += below
                cells.append(f"{scores[name]:>12}{' !' if below else '  '}  ")
            print(f"{page:45}" + "".join(cells))
            print(f"{'':45}{timings}")
    print("aims: " + ", ".join(f"{name} >= {aim}" for name, aim in AIMS.items()))
    print("all aims met" if not failures else f"{failures} score(s) below the aim (marked !)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
