"""Benchmark: 1,000 职业技能等级证书 with photos and QR codes, ours against the naive way, in one run.

Ours: :func:`competition.pdf.batch.render_batch` (chunks of 100 pages in 2 worker processes, merged with
pypdf) and :func:`competition.pdf.batch.render_zip` (one PDF per person, same workers).
Baseline: one ``weasyprint.HTML(...).write_pdf()`` per certificate, one after another in this process,
WeasyPrint's default font configuration and URL fetcher, the same HTML. To keep the run bounded the
baseline renders a sample (``--baseline-sample``, default 100) and its time is extrapolated to
``--count`` linearly (it is a loop of independent renders).

Peak memory: ``ru_maxrss`` of this process (measured before the baseline runs) and of the largest worker
(``RUSAGE_CHILDREN``, after the pools have ended); ``peak_mb`` is this process plus ``processes`` ×
the largest worker, an upper bound on what ran at once.

Run: ``.venv/bin/python -m benchmarks.certificates [--count 1000]``. Ends with
``RESULT certificates ratio=… target=4.00 zip_ratio=… peak_mb=… kb_per_cert=…``.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time
from datetime import date

from PIL import Image

from competition.domain import SkillLevel
from competition.pdf.batch import render_batch, render_zip
from competition.pdf.documents import STATIC_DIR, SkillLevelCertificate, render_html

TARGET = 4.0
ZIP_TARGET = 2.0
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = ["喆", "昇", "玥", "珺", "赟", "堃", "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋"]
_LEVELS = [
    SkillLevel.JUNIOR_WORKER,
    SkillLevel.INTERMEDIATE_WORKER,
    SkillLevel.SENIOR_WORKER,
    SkillLevel.TECHNICIAN,
]
_OCCUPATIONS = [("电工", "维修电工"), ("焊工", None), ("汽车维修工", "汽车机械维修工"), ("育婴员", None)]


def photo_jpeg(seed: int) -> bytes:
    """A small 1-inch-shaped JPEG (150 × 210 px): a coloured silhouette on white."""
    image = Image.new("RGB", (150, 210), "white")
    colour = (40 + seed * 37 % 120, 60 + seed * 53 % 120, 90 + seed * 29 % 120)
    image.paste(colour, (45, 40, 105, 110))
    image.paste(colour, (25, 130, 125, 210))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def certificates(count: int) -> list[SkillLevelCertificate]:
    """``count`` distinct certificates (names, levels, numbers, QR URLs), each with its own photo."""
    docs = []
    for i in range(count):
        occupation, work_type = _OCCUPATIONS[i % len(_OCCUPATIONS)]
        level = _LEVELS[i % len(_LEVELS)]
        number = f"Y00003206000125{level.grade}{i + 1:06d}"
        docs.append(
            SkillLevelCertificate(
                name=_SURNAMES[i % len(_SURNAMES)] + _GIVEN[i % len(_GIVEN)] + _GIVEN[(i // 7) % len(_GIVEN)],
                id_type="居民身份证",
                id_number=f"320102199{i % 10}0101{i % 10000:04d}",
                occupation=occupation,
                work_type=work_type,
                level=level,
                certificate_number=number,
                evaluator="江苏省电力行业职业技能等级认定中心",
                issued_on=date(2025, 6, 30),
                verify_url=f"https://cert.example.org/v/{number}?c={i * 7919 % 65536:04x}",
                photo=photo_jpeg(i),
            )
        )
    return docs


def _maxrss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the numbers and the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--baseline-sample", type=int, default=100)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=100)
    args = parser.parse_args(argv)

    docs = certificates(args.count)
    names = [f"{doc.certificate_number}-{doc.name}" for doc in docs]

    started = time.perf_counter()
    merged = render_batch(docs, chunk=args.chunk, processes=args.processes)
    merged_s = time.perf_counter() - started

    started = time.perf_counter()
    archive = render_zip(docs, names, processes=args.processes)
    zip_s = time.perf_counter() - started

    # Both pools have ended: RUSAGE_CHILDREN now covers every worker.
    parent_mb, worker_mb = _maxrss_mb(resource.RUSAGE_SELF), _maxrss_mb(resource.RUSAGE_CHILDREN)
    peak_mb = parent_mb + args.processes * worker_mb

    import zipfile

    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        sizes = [info.file_size for info in opened.infolist()]
    kb_per_cert = sum(sizes) / len(sizes) / 1024

    import weasyprint  # the baseline only: ours goes through competition.pdf.render

    sample = docs[: min(args.baseline_sample, len(docs))]
    base_url = STATIC_DIR.as_uri() + "/"
    started = time.perf_counter()
    for doc in sample:
        weasyprint.HTML(string=render_html([doc]), base_url=base_url).write_pdf()
    baseline_each = (time.perf_counter() - started) / len(sample)
    baseline_s = baseline_each * len(docs)

    ratio = baseline_s / merged_s
    zip_ratio = baseline_s / zip_s
    print(f"certificates: {len(docs)} 职业技能等级证书 with photo and QR; {args.processes} worker processes")
    print(
        f"  merged PDF  {merged_s:7.1f} s  {len(docs) / merged_s:6.1f} cert/s  {len(merged) / 1024:8.0f} KB total"
    )
    print(
        f"  ZIP of PDFs {zip_s:7.1f} s  {len(docs) / zip_s:6.1f} cert/s  {len(archive) / 1024:8.0f} KB total"
    )
    print(
        f"  baseline    {baseline_s:7.1f} s  {1 / baseline_each:6.1f} cert/s  "
        f"(measured on {len(sample)}, extrapolated to {len(docs)})"
    )
    print(f"  single-certificate PDF: mean {kb_per_cert:.1f} KB, max {max(sizes) / 1024:.1f} KB")
    print(
        f"  peak memory: parent {parent_mb:.0f} MB, largest worker {worker_mb:.0f} MB -> bound {peak_mb:.0f} MB"
    )
    print(
        f"RESULT certificates ratio={ratio:.2f} target={TARGET:.2f} zip_ratio={zip_ratio:.2f} "
        f"zip_target={ZIP_TARGET:.2f} peak_mb={peak_mb:.0f} kb_per_cert={kb_per_cert:.1f} "
        f"cert_per_s={len(docs) / merged_s:.1f} baseline_cert_per_s={1 / baseline_each:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
