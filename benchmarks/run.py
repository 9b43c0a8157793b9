"""Run every benchmarks/bench_*.py and write benchmarks/RESULTS.md (`make bench`).

Each module exposes ``run(quick=False) -> list[dict]`` with keys name, value, baseline, ratio, target,
passed, unit, note; ratios are measured against a baseline in the same run, never against fixed times.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import platform
import sys
import traceback
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
VERSIONS = ["httpx", "ipython", "ipykernel", "ipywidgets", "pandas", "markdown-it-py", "nh3", "openai"]


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def machine() -> str:
    import os

    versions = []
    for name in VERSIONS:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    return (f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
            + ", ".join(versions))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke run)")
    parser.add_argument("only", nargs="*", help="bench module names (e.g. bench_stream)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    rows, failures = [], []
    for path in sorted(HERE.glob("bench_*.py")):
        if args.only and path.stem not in args.only:
            continue
        print(f"== {path.stem}", flush=True)
        try:
            for row in load(path).run(quick=args.quick):
                row["module"] = path.stem
                rows.append(row)
                mark = "ok " if row.get("passed") else "MISS"
                print(f"  [{mark}] {row['name']}: {fmt(row.get('value'))} {row.get('unit', '')} "
                      f"(baseline {fmt(row.get('baseline'))}, ratio {fmt(row.get('ratio'))}, "
                      f"target {row.get('target')})", flush=True)
        except Exception:  # a broken bench is reported, the others still run
            failures.append((path.stem, traceback.format_exc()))
            print(failures[-1][1], file=sys.stderr)
    write_results(rows, failures, quick=args.quick)
    return 1 if failures else 0


def write_results(rows, failures, *, quick: bool) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M UTC} by `make bench`{' --quick' if quick else ''}.",
        f"Machine: {machine()}.",
        "",
        "Every target is a ratio against a baseline measured in the same run (see each module's docstring).",
        "",
        "| module | measure | value | unit | baseline | ratio | target | met | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
            r["module"], r["name"], fmt(r.get("value")), r.get("unit", ""), fmt(r.get("baseline")),
            fmt(r.get("ratio")), r.get("target", ""), "yes" if r.get("passed") else "**no**",
            str(r.get("note", "")).replace("|", "/")))
    for name, tb in failures:
        lines += ["", f"## {name} failed", "", "```", tb.strip(), "```"]
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    sys.exit(main())
