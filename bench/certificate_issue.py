"""Benchmark: time to issue certificates (sign + PDF) with typst vs fpdf2.

Run: python bench/certificate_issue.py   (from the repo root; ~30 s)

"One" is the median of single issues after warm-up; "300 at once" is one
sequential batch of 300, as when a workshop's certificates are issued together.
The fpdf2 page is a like-for-like layout (same texts, QR as SVG, signed JSON
attached) with a Latin name, because fpdf2 shapes Arabic only with uharfbuzz,
which is not a dependency. Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from fpdf import FPDF  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from cpd.certificates.bundle import bundle_bytes, sign_record  # noqa: E402
from cpd.certificates.design import Design, load_default_design  # noqa: E402
from cpd.certificates.fonts import bundled_font_dirs, font_set_for  # noqa: E402
from cpd.certificates.openbadge import build_badge  # noqa: E402
from cpd.certificates.pdf import format_date, render_certificate_pdf  # noqa: E402
from cpd.certificates.qr import qr_svg  # noqa: E402
from cpd.certificates.record import CertificateRecord  # noqa: E402
from cpd.certificates.request import IssueRequest, build_record  # noqa: E402
from cpd.certificates.service import issue_certificate  # noqa: E402
from cpd.settings import PROJECT_ROOT  # noqa: E402
from cpd.storage.tables import Attempt, Base, Learner  # noqa: E402

PUBLIC_URL = "https://cpd.example.org"
# segno's SVG has width/height but no viewBox; fpdf2 copes and says so on every page.
warnings.filterwarnings("ignore", message='<svg> has no "viewBox"')
SINGLE_RUNS = 50
BATCH = 300


def request(i: int, name: str = "Zoë Ångström-Müller") -> IssueRequest:
    return IssueRequest(
        attempt_id=f"attempt-{i}",
        learner_name=name,
        registration_number="GMC 7654321",
        module_title="Reality Check: the safety of exosome products",
        module_id="exosome-safety",
        module_version="1.2.0",
        content_hash="c0ffee" * 10 + "abcd",
        learning_objectives=[
            "Describe what exosome products are and the evidence on their safety.",
            "Recognise unsupported claims and regulatory red flags.",
            "Apply a structured approach to consent and adverse event reporting.",
        ],
        cpd_hours=2,
        score_percent=86.7,
        pass_mark_percent=80,
        recertification_months=24,
        completed_at=datetime.now(UTC),
    )


def typst_issue(i: int, design: Design, key: Ed25519PrivateKey) -> bytes:
    record = build_record(request(i), design=design, public_url=PUBLIC_URL, issued_at=datetime.now(UTC))
    signed = sign_record(record, key)
    build_badge(record, key, PUBLIC_URL)
    return render_certificate_pdf(signed, design)


def fpdf_render(record: CertificateRecord, bundle: bytes) -> bytes:
    regular = next(bundled_font_dirs()[0].glob("NotoSans[[]*.ttf"))
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("Noto", "", regular)
    pdf.add_page()
    pdf.set_draw_color(31, 78, 121)
    pdf.set_line_width(0.9)
    pdf.rect(11, 11, 275, 188)
    pdf.set_font("Noto", size=10)
    pdf.set_y(20)
    pdf.cell(0, 6, record.provider.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font_size(26)
    pdf.cell(0, 14, "Certificate of CPD Completion", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font_size(10)
    pdf.cell(0, 6, "This is to certify that", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font_size(24)
    pdf.cell(0, 12, record.learner_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font_size(10)
    pdf.cell(0, 6, f"Professional registration number: {record.registration_number}", align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, "has successfully completed the CPD activity", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font_size(15)
    pdf.cell(0, 9, record.activity_title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font_size(10)
    for label, value in [
        ("Format", record.format), ("Completed", format_date(record.completion_date)),
        ("CPD hours", f"{record.cpd_hours:g}"), ("Score", f"{record.score_percent:g}%"),
        ("Valid until", format_date(record.valid_until)), ("Module", record.module_id),
    ]:
        pdf.cell(40, 6, label)
        pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font_size(8.5)
    for objective in record.learning_objectives:
        pdf.cell(0, 5, f"• {objective}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(160)
    pdf.multi_cell(200, 4, record.accreditation_statement)
    pdf.cell(0, 5, f"{record.signatory.name}, {record.signatory.role}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 5, f"Certificate ID: {record.id}")
    pdf.image(qr_svg(record.verification_url).encode(), x=240, y=150, w=32, alt_text="QR code")
    pdf.embed_file(bytes=bundle, basename="certificate.json", mime_type="application/json")
    return bytes(pdf.output())


def fpdf_issue(i: int, design: Design, key: Ed25519PrivateKey) -> bytes:
    record = build_record(request(i), design=design, public_url=PUBLIC_URL, issued_at=datetime.now(UTC))
    signed = sign_record(record, key)
    build_badge(record, key, PUBLIC_URL)
    return fpdf_render(record, bundle_bytes(signed))


def measure(fn, design, key) -> tuple[float, float]:
    for i in range(3):
        fn(i, design, key)  # warm-up: font scanning, caches
    singles = []
    for i in range(SINGLE_RUNS):
        t = time.perf_counter()
        fn(i, design, key)
        singles.append(time.perf_counter() - t)
    t = time.perf_counter()
    for i in range(BATCH):
        fn(i, design, key)
    return statistics.median(singles), time.perf_counter() - t


def db_batch(design: Design, key: Ed25519PrivateKey) -> float:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    now = datetime.now(UTC)
    with Session(engine) as s:
        for i in range(BATCH):
            s.add(Learner(id=f"l{i}", name="L", email="l@x", profession="p", created_at=now))
            s.add(Attempt(id=f"attempt-{i}", learner_id=f"l{i}", module_id="m",
                          module_version="1", content_hash="x", phase="done", started_at=now))
        s.commit()
        t = time.perf_counter()
        for i in range(BATCH):
            issue_certificate(s, request(i), design=design, private_key=key, public_url=PUBLIC_URL)
        s.commit()
        return time.perf_counter() - t


def main() -> None:
    design = load_default_design(PROJECT_ROOT / "certificates")
    key = Ed25519PrivateKey.generate()
    t = time.perf_counter()
    font_set_for(design)
    print(f"font discovery (once per process): {1000 * (time.perf_counter() - t):.1f} ms")
    ty_one, ty_batch = measure(typst_issue, design, key)
    fp_one, fp_batch = measure(fpdf_issue, design, key)
    print(f"{'':28}{'typst':>12}{'fpdf2':>12}{'typst/fpdf2':>14}")
    print(f"{'one certificate (median)':28}{ty_one * 1000:>10.2f}ms{fp_one * 1000:>10.2f}ms{ty_one / fp_one:>14.2f}")
    print(f"{f'{BATCH} at once (total)':28}{ty_batch:>11.2f}s{fp_batch:>11.2f}s{ty_batch / fp_batch:>14.2f}")
    print(f"{f'{BATCH} via issue_certificate':28}{db_batch(design, key):>11.2f}s   (typst, incl. badge + SQLite)")


if __name__ == "__main__":
    main()
