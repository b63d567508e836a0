"""Figures from several `make bench` runs side by side: prints, asserts nothing.

For each backend and page: p50, p95 and p99 of every run, the p95 ratio to the floor of every run,
the spread between runs (highest ratio less lowest), and, for each run that measured them, the
p95, the console's CPU and the whole machine's CPU per request against a floor loaded just before
the page ("nan" for a run from before the machine's CPU was measured). Reads the newest N files in
bench/results/ (written by web_bench.py). Run from the repo root: `python bench/summary.py [N]`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from web_bench import FLOOR, TARGET, TARGETS  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    files = sorted(RESULTS.glob("web-*.json"))[-count:]
    runs = [json.loads(f.read_text()) for f in files]
    print(f"{len(runs)} runs: {', '.join(f.stem for f in files)}")
    backends = dict.fromkeys(b for run in runs for b in run["backends"])
    for backend in backends:
        print(f"\n{backend}: p50 / p95 / p99 ms in each run; p95 to the floor in each run; spread")
        pages = dict.fromkeys(
            p for run in runs for p in run["backends"].get(backend, {}).get("pages", {})
        )
        for page in pages:
            figures = [
                run["backends"][backend]["pages"].get(page)
                for run in runs
                if backend in run["backends"]
            ]
            figures = [f for f in figures if f]
            times = "  ".join(f"{f['p50']:.0f}/{f['p95']:.0f}/{f['p99']:.0f}" for f in figures)
            ratios = [f["p95_ratio_to_floor"] for f in figures]
            target = TARGETS.get(page, TARGET)
            verdict = (
                "" if page == FLOOR else ("met" if max(ratios) <= target else f"over {target}")
            )
            beside = " ".join(
                f"{f['p95_ratio_to_floor_beside']:.2f}/{f['cpu_ratio_to_floor_beside']:.2f}"
                f"/{f.get('machine_ratio_to_floor_beside', float('nan')):.2f}"
                for f in figures
                if "p95_ratio_to_floor_beside" in f
            )
            print(
                f"  {page:<22} {times:<36} {' '.join(f'{r:.2f}' for r in ratios):<16} "
                f"{max(ratios) - min(ratios):.2f}  {verdict:<9} "
                f"{beside and f'beside (p95/cpu/machine): {beside}'}"
            )
    for run, name in zip(runs, files, strict=True):
        rows = run.get("delivery", {}).get("rows", {})
        reconcile = next((r for n, r in rows.items() if n.startswith("reconcile")), None)
        if reconcile:
            print(
                f"{name.stem}: reconcile {reconcile['count']:,} teachers in {reconcile['seconds']:.1f} s "
                f"({reconcile['per_second']:,.0f}/s, {reconcile['share_of_bare']:.0%} of bare GETs)"
            )


if __name__ == "__main__":
    main()
