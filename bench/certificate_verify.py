"""Benchmark: what each verifier check costs, beside the plain signature check in the same run.

Run: python bench/certificate_verify.py   (from the repo root; ~5 s)

Baseline: verifying the signed JSON bundle (parse, JCS, Ed25519). The PDF check adds
reading the attachment, counting revisions and attached files, and extracting the page
text to compare it with the record. Also: building the 131,072-entry status list.
Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from cpd.certificates.bundle import bundle_bytes, sign_record  # noqa: E402
from cpd.certificates.design import load_default_design  # noqa: E402
from cpd.certificates.openbadge import build_badge  # noqa: E402
from cpd.certificates.pdf import render_certificate_pdf  # noqa: E402
from cpd.certificates.record import canonical_bytes  # noqa: E402
from cpd.certificates.request import IssueRequest, build_record  # noqa: E402
from cpd.certificates.status_list import LIST_SIZE, encode_bits  # noqa: E402
from cpd.certificates.verify import verify_file  # noqa: E402
from cpd.settings import PROJECT_ROOT  # noqa: E402

PUBLIC_URL = "https://cpd.example.org"
NOW = datetime(2026, 3, 5, 14, 30, tzinfo=UTC)


def median_ms(f: Callable[[], object], n: int) -> float:
    f()  # warm-up
    times = []
    for _ in range(n):
        start = time.perf_counter()
        f()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    key = Ed25519PrivateKey.generate()
    design = load_default_design(PROJECT_ROOT / "certificates")
    request = IssueRequest(
        attempt_id="bench", learner_name="Zoë Ångström-Müller", module_title="Reality Check (bench)",
        module_id="exosome-safety", module_version="1.0.0", content_hash="0" * 64,
        learning_objectives=["One objective."], cpd_hours=2.5, score_percent=90, pass_mark_percent=80,
        recertification_months=24, completed_at=NOW,
    )
    record = build_record(request, design=design, public_url=PUBLIC_URL, issued_at=NOW)
    signed = sign_record(record, key)
    pdf = render_certificate_pdf(signed, design)
    bundle = bundle_bytes(signed)
    badge = canonical_bytes(build_badge(record, key, PUBLIC_URL))
    pub = key.public_key()
    base = median_ms(lambda: verify_file(bundle, pub), 200)
    print(f"verify signed JSON bundle (baseline): {base:.2f} ms")
    for label, data, n in [("verify Open Badge", badge, 200), ("verify PDF (attachment, revisions, page text)", pdf, 50)]:
        ms = median_ms(lambda d=data: verify_file(d, pub), n)
        print(f"{label}: {ms:.2f} ms ({ms / base:.1f}x baseline)")
    revoked = set(random.Random(1).sample(range(LIST_SIZE), 2000))
    ms = median_ms(lambda: encode_bits(revoked), 20)
    print(f"encode a status list of {LIST_SIZE:,} entries with 2,000 revoked: {ms:.1f} ms "
          f"({len(encode_bits(revoked)):,} characters; {ms / base:.0f}x baseline)")


if __name__ == "__main__":
    main()
