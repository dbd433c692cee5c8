"""Parser speed and memory per Live Set, against a bare lxml pass over the same decompressed stream.

For each set (default: every .als in $DAWA_ALS_CORPUS, else ../shared/als/corpus), fresh subprocesses run
(so peak RSS is per file) `parse_als` and a bare `etree.iterparse(events=("end",))` loop that does nothing
with the elements, reading through the same hardened gzip/XML reader; --rounds alternate the two so both see
the same machine load. Times are the best run; the ratio uses CPU time, which other processes on a busy
machine disturb far less than wall time. Targets for sets over 5 MB of XML: ratio <= 1.5, peak RSS <= 80 MB
and flat in file size.

    python benchmarks/bench_parse.py [FILE.als ...] [--repeat 3] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from tabulate import tabulate

TARGET_RATIO = 1.5
TARGET_RSS_MB = 80.0
BIG_SET_MB = 5.0

_CHILD = r"""
import json, sys, time
from pathlib import Path
from lxml import etree
from dawa_pipeline.als.container import ParseLimits, open_set_stream
from dawa_pipeline.als.parser import parse_als

mode, path, repeat = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])

def bare():
    with open_set_stream(path, path.name, ParseLimits()) as stream:
        for _event, _element in etree.iterparse(stream, events=("end",)):
            pass
        return stream.xml_bytes

def parse():
    return parse_als(path).source.xml_bytes

run = bare if mode == "bare" else parse
wall = cpu = float("inf")
for _ in range(repeat):
    start, start_cpu = time.perf_counter(), time.process_time()
    xml_bytes = run()
    wall, cpu = min(wall, time.perf_counter() - start), min(cpu, time.process_time() - start_cpu)
status = Path("/proc/self/status").read_text().splitlines()
peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
print(json.dumps({"seconds": wall, "cpu": cpu, "xml_bytes": xml_bytes, "peak_mb": peak_kib / 1024}))
"""


def _run_child(mode: str, path: Path, repeat: int) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(path), str(repeat)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def _measure(path: Path, repeat: int, rounds: int) -> tuple[dict[str, float], dict[str, float]]:
    """Best parse and bare measurements over alternating rounds (peak RSS: the largest seen)."""
    best: dict[str, dict[str, float]] = {}
    for _ in range(rounds):
        for mode in ("parse", "bare"):
            run = _run_child(mode, path, repeat)
            if mode not in best:
                best[mode] = run
            else:
                for key in ("seconds", "cpu"):
                    best[mode][key] = min(best[mode][key], run[key])
                best[mode]["peak_mb"] = max(best[mode]["peak_mb"], run["peak_mb"])
    return best["parse"], best["bare"]


def _default_files() -> list[Path]:
    folder = Path(
        os.environ.get("DAWA_ALS_CORPUS") or Path(__file__).resolve().parents[2] / "shared/als/corpus"
    )
    return sorted(folder.glob("*.als"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="runs per subprocess; the best time counts")
    parser.add_argument("--rounds", type=int, default=2, help="alternating parse/bare subprocess pairs")
    args = parser.parse_args()
    files = args.files or _default_files()
    if not files:
        print("error: no .als files (give files or set DAWA_ALS_CORPUS)", file=sys.stderr)
        return 2
    rows, misses = [], []
    for path in files:
        parse, bare = _measure(path, args.repeat, args.rounds)
        xml_mb = parse["xml_bytes"] / 1e6
        ratio = parse["cpu"] / bare["cpu"]
        big = xml_mb > BIG_SET_MB
        ok = not big or (ratio <= TARGET_RATIO and parse["peak_mb"] <= TARGET_RSS_MB)
        if not ok:
            misses.append(path.name)
        rows.append(
            [
                path.name[:48],
                f"{xml_mb:.1f}",
                f"{parse['seconds'] * 1000:.0f}",
                f"{xml_mb / parse['seconds']:.0f}",
                f"{parse['peak_mb']:.0f}",
                f"{parse['cpu'] * 1000:.0f}",
                f"{bare['cpu'] * 1000:.0f}",
                f"{ratio:.2f}",
                ("ok" if ok else "MISS") if big else "",
            ]
        )
    rows.sort(key=lambda row: float(row[1]), reverse=True)
    headers = [
        "file",
        "XML MB",
        "wall ms",
        "MB/s",
        "peak RSS MB",
        "cpu ms",
        "bare cpu ms",
        "ratio",
        f">{BIG_SET_MB:g} MB",
    ]
    print(tabulate(rows, headers=headers, tablefmt="github"))
    targets = f"ratio <= {TARGET_RATIO}, peak RSS <= {TARGET_RSS_MB:g} MB"
    outcome = f"missed: {', '.join(misses)}" if misses else "all met"
    print(f"\ntargets on sets over {BIG_SET_MB:g} MB ({targets}): {outcome}")
    return 0 if not misses else 1


if __name__ == "__main__":
    sys.exit(main())
