"""Throughput of the exchange's two algorithm suites on a claims push of 40 batches (one per recipient company).

For each suite, every batch goes the whole cryptographic way a delivered batch goes: canonical JSON of the rows,
sealing for the recipient, the sender's signature, the sealed-batch hash; on the recipient's side the signature
check, decryption, the receipt signature; and the offline verifier's checks of batch and receipt. Database, queue
and handler work are the same for both suites and are left out, so the figures compare the suites alone.

    .venv/bin/python -m benchmarks.exchange_suites [--batches 40] [--rows 200]

Prints the baseline (the international suite, Ed25519 / X25519 / AES-256-GCM / SHA-256), the 国密 suite
(SM2 / SM4 / SM3), their ratio, and per-batch timings (median and slowest) of each step.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.exchange import crypto  # noqa: E402 - after the path set-up

STEPS = ("seal", "sign", "verify", "open", "receipt", "offline")


def claim_rows(company: int, count: int) -> list[dict]:
    day = dt.date(2026, 5, 1)
    return [{
        "claim_no": f"LP2026{company:03d}{n:06d}", "plate": f"桂B{company:02d}{n % 1000:03d}",
        "reported_at": dt.datetime(2026, 5, 1, 8, n % 60, tzinfo=dt.UTC), "accident_on": day,
        "amount": Decimal(f"{1000 + n}.50"), "status": "open", "insurer_uscc": f"91450200MA5{company:07d}",
    } for n in range(count)]


def run_suite(family: str, batches: int, rows: int) -> dict[str, list[float]]:
    suite = crypto.SUITE_SM if family == crypto.FAMILY_SM else crypto.default_suite()
    algorithm = crypto.SIGNING_ALGORITHM[family]
    sender = crypto.generate_key(algorithm)
    timings: dict[str, list[float]] = {step: [] for step in STEPS}
    timings["total"] = []
    for company in range(batches):
        recipient_enc = crypto.generate_key(crypto.ENCRYPTION_ALGORITHM[family])
        recipient_sig = crypto.generate_key(algorithm)
        plaintext = crypto.canonical_json(claim_rows(company, rows))
        header = {
            "format": crypto.FORMAT, "batch_id": str(uuid.uuid4()), "kind": "claims", "row_count": rows,
            "sender_key_id": sender.key_id, "recipient_key_id": recipient_enc.key_id, "suite": suite,
            "signature_algorithm": crypto.SIGNATURE_NAME[family], "nonce": uuid.uuid4().hex,
        }
        header_bytes = crypto.canonical_json(header)
        start = t0 = time.perf_counter()
        ciphertext = crypto.seal(plaintext, recipient_enc.public_raw, header_bytes, suite)
        t1 = time.perf_counter()
        signature = crypto.sign(sender.private_raw, crypto.batch_signing_message(header_bytes, ciphertext, suite),
                                algorithm=algorithm, public_raw=sender.public_raw)
        digest = crypto.sealed_digest(header_bytes, ciphertext, signature, suite)
        t2 = time.perf_counter()
        crypto.verify(sender.public_raw, signature, crypto.batch_signing_message(header_bytes, ciphertext, suite),
                      algorithm=algorithm)
        t3 = time.perf_counter()
        assert crypto.open_sealed(ciphertext, recipient_enc.private_raw, header_bytes, suite) == plaintext
        t4 = time.perf_counter()
        receipt = {"format": crypto.RECEIPT_FORMAT, "batch_id": header["batch_id"],
                   crypto.RECEIPT_DIGEST_FIELD[family]: digest, "recipient_key_id": recipient_sig.key_id}
        receipt_signature = crypto.sign(recipient_sig.private_raw, crypto.receipt_signing_message(receipt),
                                        algorithm=algorithm, public_raw=recipient_sig.public_raw)
        t5 = time.perf_counter()
        crypto.verify(sender.public_raw, signature, crypto.batch_signing_message(header_bytes, ciphertext, suite),
                      algorithm=algorithm)
        crypto.verify(recipient_sig.public_raw, receipt_signature, crypto.receipt_signing_message(receipt),
                      algorithm=algorithm)
        assert crypto.sealed_digest(header_bytes, ciphertext, signature, suite) == digest
        t6 = time.perf_counter()
        for step, seconds in zip(STEPS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5), strict=True):
            timings[step].append(seconds)
        timings["total"].append(t6 - start)
    return timings


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.2f} ms median, {max(values) * 1000:8.2f} ms max"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.exchange_suites")
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--rows", type=int, default=200, help="claims per batch")
    args = parser.parse_args(argv)
    results = {}
    for family in (crypto.FAMILY_INTL, crypto.FAMILY_SM):
        results[family] = run_suite(family, args.batches, args.rows)
    baseline = sum(results[crypto.FAMILY_INTL]["total"])
    sm = sum(results[crypto.FAMILY_SM]["total"])
    print(f"exchange suites — claims push of {args.batches} batches × {args.rows} claims")
    print(f"baseline (intl: {crypto.default_suite()} + Ed25519): {baseline:8.3f} s, "
          f"{args.batches / baseline:8.1f} batches/s")
    print(f"国密 (sm: {crypto.SUITE_SM} + SM2-with-SM3):            {sm:8.3f} s, "
          f"{args.batches / sm:8.1f} batches/s")
    print(f"ratio sm / baseline: {sm / baseline:.1f}×")
    print("per batch:")
    for family in (crypto.FAMILY_INTL, crypto.FAMILY_SM):
        for step in (*STEPS, "total"):
            print(f"  {family:4} {step:8} {_ms(results[family][step])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
