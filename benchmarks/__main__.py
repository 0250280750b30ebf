"""Run every benchmark in :data:`benchmarks.NAMES`, each in its own process, and collect the RESULT lines."""

from __future__ import annotations

import subprocess
import sys

from benchmarks import NAMES


def main() -> int:
    """Run the benchmarks one after another; return non-zero if any of them failed to run."""
    if not NAMES:
        print("benchmarks: no benchmark modules are registered yet (benchmarks.NAMES is empty).")
        return 0
    results, failed = [], []
    for name in NAMES:
        process = subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], capture_output=True, text=True)
        sys.stdout.write(process.stdout)
        sys.stderr.write(process.stderr)
        if process.returncode != 0:
            failed.append(name)
        results += [line for line in process.stdout.splitlines() if line.startswith("RESULT ")]
    print("\n".join(["", "Summary:", *results]))
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
