"""``python -m benchmarks.load``: see :mod:`benchmarks.load`."""

from benchmarks.load import main

raise SystemExit(main())
