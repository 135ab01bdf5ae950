"""Lighthouse (npm `lighthouse`, Debian's Chromium) on the public booking page
in mobile mode, against the stack `make run` starts, plus the JavaScript the
booking route loads, gzipped. Prints the figures; exits 1 if a budget is missed.

    .venv/bin/python bench/site_budget.py [--runs 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devstack.launch import launched
from devstack.template import ROOT

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
DIST = ROOT / "site" / "dist"
BUDGETS = {"performance": 90, "accessibility": 95, "best-practices": 95}
JS_BUDGET_KB = 120.0
PAGES = {"booking": "/book?service=consultation", "landing": "/"}


def lighthouse(url: str, out: Path) -> dict[str, object]:
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            "--form-factor=mobile",
            "--only-categories=performance,accessibility,best-practices",
            "--chrome-flags=--headless --no-sandbox --disable-gpu "
            "--disable-background-networking --disable-component-update --no-first-run",
        ],
        check=True,
        env=os.environ | {"CHROME_PATH": CHROMIUM},
    )
    report: dict[str, object] = json.loads(out.read_text())
    return report


def scripts_loaded(report: dict[str, object]) -> list[str]:
    audits = report["audits"]
    assert isinstance(audits, dict)
    items = audits["network-requests"]["details"]["items"]
    return [item["url"] for item in items if item.get("resourceType") == "Script"]


def gzipped_kb(urls: list[str]) -> float:
    total = 0
    for url in urls:
        path = DIST / urlparse(url).path.lstrip("/")
        total += len(gzip.compress(path.read_bytes(), compresslevel=9))
    return total / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not LIGHTHOUSE.exists() or not (DIST / "index.html").exists():
        raise SystemExit("run 'make install site' first")
    results: dict[str, dict[str, list[float]]] = {}
    scripts: dict[str, list[str]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-site-") as tmp,
        launched(Path(tmp) / "run", extra_env={"MILLI_ADMIN_PASSWORD": "bench-pass-123"}) as stack,
    ):
        for run in range(args.runs):
            for name, path in PAGES.items():
                report = lighthouse(stack.url + path, Path(tmp) / f"{name}-{run}.json")
                categories = report["categories"]
                assert isinstance(categories, dict)
                for category in BUDGETS:
                    score = categories[category]["score"] * 100
                    results.setdefault(name, {}).setdefault(category, []).append(score)
                scripts[name] = scripts_loaded(report)
                if run == 0:
                    (ROOT / "bench" / "out").mkdir(exist_ok=True)
                    (ROOT / "bench" / "out" / f"lighthouse-{name}.json").write_text(
                        json.dumps(report)
                    )
    missed = []
    print(f"Lighthouse {args.runs} run(s) per page, mobile form factor, median score\n")
    header = ("page", "performance", "accessibility", "best-practices", "JS gz KB")
    print("{:10} {:>12} {:>14} {:>15} {:>9}".format(*header))
    for name in PAGES:
        row = {category: statistics.median(scores) for category, scores in results[name].items()}
        js = gzipped_kb(scripts[name])
        print(
            f"{name:10} {row['performance']:12.0f} {row['accessibility']:14.0f} "
            f"{row['best-practices']:15.0f} {js:9.1f}"
        )
        missed += [f"{name} {c} {row[c]:.0f} < {b}" for c, b in BUDGETS.items() if row[c] < b]
        if js > JS_BUDGET_KB:
            missed.append(f"{name} JavaScript {js:.1f} KB > {JS_BUDGET_KB} KB")
    print(f"\nbudgets: {BUDGETS}, JavaScript <= {JS_BUDGET_KB} KB gzipped")
    print("all budgets met" if not missed else "MISSED: " + "; ".join(missed))
    print("full reports: bench/out/lighthouse-*.json")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
