"""Benchmark: does a token lookup take longer for a guess that is "nearly right"?

Run: python bench/token_lookup.py [--postgres URL] [--tokens N]   (from the repo root; ~1 min)

Tokens are found by an indexed lookup on the SHA-256 of the presented string
(``cpd.tokens``). A guess "near" a stored token in the index would share a
long prefix of its hash with a stored hash; the attacker cannot choose that
(they choose the string, not the hash), but this measures it anyway: guesses
whose hash shares 5 hex digits (20 bits, found by brute force) with a stored
token's hash, against guesses sharing none, against the right token. Median of
many lookups each, same run, same store; prints figures and ratios, asserts
nothing about time.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from cpd import tokens  # noqa: E402
from cpd.storage.db import open_store, transaction  # noqa: E402
from cpd.tokens import Purpose  # noqa: E402

PREFIX = 4  # hex digits shared by a "near" guess (16 bits: quick to find by brute force)


def near_guess(target_hash: str) -> str:
    while True:
        guess = secrets.token_urlsafe(32)
        if tokens.hash_token(guess)[:PREFIX] == target_hash[:PREFIX]:
            return guess


def far_guess(target_hash: str) -> str:
    while True:
        guess = secrets.token_urlsafe(32)
        if tokens.hash_token(guess)[0] != target_hash[0]:
            return guess


def timed(factory, guesses: list[str], rounds: int) -> float:
    samples = []
    with factory() as session:
        for _ in range(rounds):
            for g in guesses:
                start = time.perf_counter_ns()
                tokens.lookup(session, Purpose.SESSION, g)
                samples.append(time.perf_counter_ns() - start)
            session.rollback()
    return statistics.median(samples) / 1000


def run(label: str, url: str, n: int) -> None:
    factory = open_store(url)
    with transaction(factory) as s:
        s.execute(text("delete from tokens"))
    issued = []
    with transaction(factory) as s:
        for i in range(n):
            issued.append(tokens.issue(s, Purpose.SESSION, f"user-{i}").token)
    targets = [tokens.hash_token(t) for t in issued[:20]]
    started = time.perf_counter()
    near = [near_guess(h) for h in targets]
    far = [far_guess(h) for h in targets]
    print(f"== {label}: {n} stored tokens; {len(near)} near guesses found in {time.perf_counter() - started:.1f} s")
    right = issued[:20]
    timed(factory, right + near + far, 3)  # warm-up
    results = {"right token": timed(factory, right, 50), f"guess sharing {PREFIX} hex digits of a hash": timed(factory, near, 50),
               "guess sharing none": timed(factory, far, 50)}
    base = results["guess sharing none"]
    for name, micros in results.items():
        print(f"  {name:<40} median {micros:8.1f} µs   ratio to 'sharing none' {micros / base:5.2f}")
    with transaction(factory) as s:
        s.execute(text("delete from tokens"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="PostgreSQL URL (a scratch schema is created and dropped); '' to skip")
    parser.add_argument("--tokens", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args.tokens)
    if args.postgres:
        from sqlalchemy import create_engine

        schema = f"bench_tokens_{secrets.token_hex(4)}"
        admin = create_engine(args.postgres)
        try:
            with admin.begin() as conn:
                conn.execute(text(f'create schema "{schema}"'))
        except Exception as exc:  # noqa: BLE001 - no server: say so and stop
            print(f"== PostgreSQL skipped: {type(exc).__name__}")
            return
        try:
            sep = "&" if "?" in args.postgres else "?"
            run("PostgreSQL", f"{args.postgres}{sep}options=-csearch_path%3D{schema}", args.tokens)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'drop schema "{schema}" cascade'))


if __name__ == "__main__":
    main()
