"""Demo data: a realistic year built from ../shared/data/REAL-CONTESTS.md with generated people."""
