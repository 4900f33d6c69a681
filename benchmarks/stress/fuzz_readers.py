"""Long fuzzing run of every file reader: 100,000+ inputs where the tests run a few hundred.

Usage: PYTHONPATH=src python benchmarks/stress/fuzz_readers.py [--examples 100000] [--seed 0]
       [--readers text,binary,...] [--keep-failures DIR] [--atheris]

Generates inputs with the generators ``tests/test_fuzz_readers.py`` uses (random bytes
and format-aware mutations of valid files), spread evenly over the readers, and checks the
contract: each reader returns or raises a ``w2v.errors.W2VError`` subclass; a watchdog kills
the run if one input takes longer than ``HANG_SECONDS``. Prints, per reader, the number of
inputs, outcomes by type (including unexpected exception types, which are failures), and
the slowest input. Exits 1 if any unexpected exception escaped. Failing inputs are saved to
--keep-failures (default: a temporary directory, printed).
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

import helpers as fuzz  # noqa: E402 - the generators are test helpers (tests/helpers.py)


def run_atheris(names: list[str], runs: int, work: str) -> int:
    """Coverage-guided fuzzing with atheris (libFuzzer): the first byte picks the reader.

    Stops at the first exception that is not a W2VError (libFuzzer prints the input and
    saves it as crash-*); ``runs`` bounds the number of inputs.
    """
    import atheris  # optional: pip install atheris

    seeds = fuzz.make_seeds(work)
    corpus = Path(tempfile.mkdtemp(prefix="w2v-atheris-corpus-"))
    for r, name in enumerate(names):
        for j, data in enumerate(seeds[fuzz.READERS[name][1]]):
            (corpus / f"{name}-{j}").write_bytes(bytes([r]) + data)

    def one_input(data: bytes) -> None:
        if not data:
            return
        name = names[data[0] % len(names)]
        fuzz.run_one(name, data[1:], work)

    # Compile every numba kernel first: instrument_all() rewrites Python bytecode, which numba
    # cannot compile afterwards (already compiled signatures keep working).
    rnd = random.Random(0)
    for i in range(2000):
        name = names[i % len(names)]
        try:
            fuzz.run_one(name, fuzz.generate(fuzz.READERS[name][1], seeds, rnd), work)
        except Exception:  # noqa: BLE001, S112 - warm-up only
            continue
    atheris.instrument_all()  # coverage feedback from w2v's Python code
    argv = [sys.argv[0], f"-runs={runs}", f"-timeout={fuzz.HANG_SECONDS}", str(corpus)]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=100_000, help="inputs in total")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--readers", default=",".join(fuzz.READERS))
    parser.add_argument("--keep-failures", default=None)
    parser.add_argument(
        "--atheris", action="store_true", help="coverage-guided (libFuzzer) instead of random"
    )
    args = parser.parse_args()
    names = args.readers.split(",")
    unknown = set(names) - set(fuzz.READERS)
    if unknown:
        parser.error(f"unknown reader(s): {', '.join(sorted(unknown))}")

    work = tempfile.mkdtemp(prefix="w2v-fuzz-")
    if args.atheris:
        return run_atheris(names, args.examples, work)
    keep = Path(args.keep_failures or tempfile.mkdtemp(prefix="w2v-fuzz-failures-"))
    keep.mkdir(parents=True, exist_ok=True)
    seeds = fuzz.make_seeds(work)
    rnd = random.Random(args.seed)
    counts: dict[str, collections.Counter[str]] = {n: collections.Counter() for n in names}
    slowest: dict[str, tuple[float, bytes]] = {n: (0.0, b"") for n in names}
    failures = 0
    start = time.perf_counter()
    for i in range(args.examples):
        name = names[i % len(names)]
        data = fuzz.generate(fuzz.READERS[name][1], seeds, rnd)
        try:
            outcome, elapsed = fuzz.run_one(name, data, work)
        except Exception as exc:  # noqa: BLE001 - anything else is the finding we report
            elapsed = 0.0
            outcome = f"UNEXPECTED {type(exc).__name__}: {str(exc)[:100]}"
            failures += 1
            (keep / f"{name}-{i}.bin").write_bytes(data)
        counts[name][outcome] += 1
        if elapsed > slowest[name][0]:
            slowest[name] = (elapsed, data)
        if (i + 1) % 10_000 == 0:
            print(f"... {i + 1} inputs, {time.perf_counter() - start:.0f} s", file=sys.stderr)
    total = time.perf_counter() - start

    print(f"fuzzed {args.examples} inputs (seed {args.seed}) in {total:.0f} s")
    by_type: collections.Counter[str] = collections.Counter()
    for name in names:
        n = sum(counts[name].values())
        secs, data = slowest[name]
        print(f"\n{name}: {n} inputs, slowest {secs * 1e3:.1f} ms ({len(data)} bytes)")
        for outcome, c in counts[name].most_common():
            print(f"  {c:7d}  {outcome}")
            by_type[outcome.split(":")[0]] += c
    print("\nall readers, by outcome:")
    for outcome, c in by_type.most_common():
        print(f"  {c:7d}  {outcome}")
    worst = max(slowest.items(), key=lambda kv: kv[1][0])
    print(f"slowest input overall: {worst[1][0] * 1e3:.1f} ms ({worst[0]})")
    print(f"unexpected exceptions: {failures}")
    if failures:
        print(f"failing inputs saved in {keep}")
    elif not args.keep_failures:
        os.rmdir(keep)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
