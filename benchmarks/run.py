"""Run tracker's benchmarks and print one line per benchmark.

    python benchmarks/run.py [--quick] [--runs N] [-v] [--keep] [--list] [NAME ...]

Benchmarks live in ``bench_*.py`` modules next to this file; each lists its
:class:`~harness.Benchmark` objects in ``BENCHMARKS``. Adding a module is enough to add
benchmarks: nothing here needs editing. The exit status is always 0: benchmarks report, they do
not fail CI; a missed goal shows as FAIL (and a benchmark that could not measure, as ERROR).
Only a usage error (such as an unknown benchmark name) exits 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # so bench modules can `import harness` however run.py is run
    sys.path.insert(0, str(HERE))

from harness import MIN_RUNS, BenchError, Benchmark, Options, goal_text  # noqa: E402

DEFAULT_RUNS = 7


def discover() -> list[Benchmark]:
    """Every benchmark of every bench_*.py module, in module-name order."""
    found: list[Benchmark] = []
    for path in sorted(HERE.glob("bench_*.py")):
        module = importlib.import_module(path.stem)
        found.extend(getattr(module, "BENCHMARKS", []))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="run only these benchmarks (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help=f"fewer timed runs ({MIN_RUNS}, the minimum) instead of "
                             f"{DEFAULT_RUNS}")
    parser.add_argument("--runs", type=int, help=f"timed runs of each command (at least "
                                                 f"{MIN_RUNS})")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also print sizes and every run's time")
    parser.add_argument("--keep", action="store_true",
                        help="keep generated workspaces and print their paths (to profile)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)

    benchmarks = discover()
    if args.list:
        for b in benchmarks:
            print(f"{b.name}  {goal_text(b.goal, b.unit)}  {b.summary}")
        return 0
    unknown = set(args.names) - {b.name for b in benchmarks}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}; see --list")
    selected = [b for b in benchmarks if not args.names or b.name in args.names]
    runs = args.runs or (MIN_RUNS if args.quick else DEFAULT_RUNS)
    options = Options(runs=max(runs, MIN_RUNS), verbose=args.verbose, keep=args.keep)
    width = max((len(b.name) for b in selected), default=0)
    for bench in selected:
        try:
            result = bench.run(options)
        except BenchError as exc:
            print(f"{bench.name:<{width}}  ERROR  ({exc})", flush=True)
            continue
        except Exception as exc:  # a broken benchmark reports, it does not stop the others
            print(f"{bench.name:<{width}}  ERROR  ({type(exc).__name__}: {exc})", flush=True)
            continue
        print(result.line(width), flush=True)
        if options.verbose:
            for line in result.extra:
                print(f"    {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
