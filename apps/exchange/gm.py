"""The commercial-cryptography (国密) primitives of the exchange: SM2, SM3, SM4. Free of Django, like ``crypto.py``.

* **SM3** (GB/T 32905) and **SM4** (GB/T 32907) come from ``cryptography`` (``hashes.SM3``; ``algorithms.SM4`` in
  GCM mode, the mode RFC 8998 uses for SM4 and GB/T 17964 standardises).
* **SM2** (GB/T 32918) uses the scalar multiplication of ``gmssl`` (pure Python; ``cryptography`` has no SM2).
  Everything around it is done here, because ``gmssl`` 3.2.2 leaves it out: the nonce ``k`` is drawn uniformly
  from [1, n-1] with ``secrets``; a signature's r and s are checked to lie in [1, n-1]; a ciphertext's C1 is
  checked to be a point of the curve and its C3 (the SM3 check value) is verified on decryption (``gmssl``
  computes it and never compares it); a public key is always passed as 128 hex digits (``gmssl`` strips a
  leading ``"04"`` with ``str.lstrip``, which also eats a leading 0 or 4 of x).

Formats:

* public key: 65 bytes ``0x04 ‖ x ‖ y`` (uncompressed point); private key: 32 bytes ``d``;
* signature (GB/T 32918.2): 64 bytes ``r ‖ s``, over ``e = SM3(Z_A ‖ M)`` with
  ``Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A)`` and the default distinguishing identifier
  ``1234567812345678`` (GB/T 35276 §10);
* public-key encryption (GB/T 32918.4): ``C1 ‖ C3 ‖ C2`` (the order of GB/T 32918.4-2016 and GB/T 35276),
  C1 = ``0x04 ‖ x1 ‖ y1``, C3 = ``SM3(x2 ‖ M ‖ y2)``, C2 = ``M XOR KDF(x2 ‖ y2, len M)``, KDF the SM3 counter KDF.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

DEFAULT_ID = b"1234567812345678"


@dataclass(frozen=True)
class Curve:
    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int

    def table(self) -> dict:
        return {
            "p": f"{self.p:064X}", "a": f"{self.a:064X}", "b": f"{self.b:064X}", "n": f"{self.n:064X}",
            "g": f"{self.gx:064x}{self.gy:064x}",
        }


# The recommended curve of GB/T 32918.5 (sm2p256v1).
SM2P256V1 = Curve(
    p=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF,
    a=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC,
    b=0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93,
    gx=0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    gy=0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
    n=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123,
)


class GMError(Exception):
    pass


# --- SM3, SM4 ------------------------------------------------------------------------------------------------


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def sm3_hex(data: bytes) -> str:
    return sm3(data).hex()


def sm4_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """SM4-GCM: ciphertext ‖ 16-byte tag."""
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    return encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag


def sm4_gcm_decrypt(key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    if len(data) < 16:
        raise GMError("SM4-GCM ciphertext too short")
    try:
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, data[-16:])).decryptor()
        decryptor.authenticate_additional_data(aad)
        return decryptor.update(data[:-16]) + decryptor.finalize()
    except (InvalidTag, ValueError) as exc:
        raise GMError("SM4-GCM authentication failed") from exc


# --- SM2 -----------------------------------------------------------------------------------------------------


def _engine(curve: Curve, private_hex: str = "00", public_hex: str = "00"):
    from gmssl.sm2 import CryptSM2

    engine = CryptSM2(private_key=private_hex, public_key="00", ecc_table=curve.table())
    engine.public_key = public_hex  # set directly: CryptSM2 would lstrip("04") it
    return engine


def _mul(curve: Curve, k: int, point_hex: str) -> tuple[int, int]:
    out = _engine(curve)._kg(k, point_hex)
    return int(out[:64], 16), int(out[64:128], 16)


def _point_hex(x: int, y: int) -> str:
    return f"{x:064x}{y:064x}"


def on_curve(curve: Curve, x: int, y: int) -> bool:
    return 0 <= x < curve.p and 0 <= y < curve.p and (y * y - x * x * x - curve.a * x - curve.b) % curve.p == 0


def _decode_public(public: bytes, curve: Curve) -> tuple[int, int]:
    if len(public) != 65 or public[0] != 4:
        raise GMError("an SM2 public key is 65 bytes 0x04 || x || y")
    x, y = int.from_bytes(public[1:33], "big"), int.from_bytes(public[33:], "big")
    if not on_curve(curve, x, y):
        raise GMError("the SM2 public key is not a point of the curve")
    return x, y


def _random_scalar(curve: Curve) -> int:
    return secrets.randbelow(curve.n - 1) + 1


def public_from_private(private: bytes, curve: Curve = SM2P256V1) -> bytes:
    d = int.from_bytes(private, "big")
    if not 1 <= d < curve.n - 1:
        raise GMError("SM2 private key out of range")
    x, y = _mul(curve, d, _point_hex(curve.gx, curve.gy))
    return b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")


def generate(curve: Curve = SM2P256V1) -> tuple[bytes, bytes]:
    """A new SM2 key pair: (32-byte private key, 65-byte public key)."""
    d = secrets.randbelow(curve.n - 2) + 1  # d in [1, n-2] (GB/T 32918.1 §6.1)
    private = d.to_bytes(32, "big")
    return private, public_from_private(private, curve)


def za(public: bytes, ident: bytes = DEFAULT_ID, curve: Curve = SM2P256V1) -> bytes:
    entl = (len(ident) * 8).to_bytes(2, "big")
    return sm3(entl + ident + b"".join(v.to_bytes(32, "big") for v in (curve.a, curve.b, curve.gx, curve.gy))
               + public[1:])


def digest_e(public: bytes, message: bytes, ident: bytes = DEFAULT_ID, curve: Curve = SM2P256V1) -> bytes:
    return sm3(za(public, ident, curve) + message)


def sign(private: bytes, message: bytes, *, public: bytes | None = None, ident: bytes = DEFAULT_ID,
         curve: Curve = SM2P256V1, k: int | None = None) -> bytes:
    """SM2 signature ``r ‖ s`` (64 bytes) of ``message`` (``k`` only for the standard's test vector)."""
    public = public or public_from_private(private, curve)
    e = digest_e(public, message, ident, curve)
    engine = _engine(curve, private.hex(), public[1:].hex())
    while True:
        nonce = k if k is not None else _random_scalar(curve)
        out = engine.sign(e, f"{nonce:064x}")
        if out is not None:
            return bytes.fromhex(out)
        if k is not None:
            raise GMError("the given k yields no signature")


def verify(public: bytes, signature: bytes, message: bytes, *, ident: bytes = DEFAULT_ID,
           curve: Curve = SM2P256V1) -> bool:
    try:
        _decode_public(public, curve)
    except GMError:
        return False
    if len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (1 <= r < curve.n and 1 <= s < curve.n):
        return False
    e = digest_e(public, message, ident, curve)
    return bool(_engine(curve, "00", public[1:].hex()).verify(signature.hex(), e))


def _kdf(z: bytes, length: int) -> bytes:
    out = b""
    counter = 1
    while len(out) < length:
        out += sm3(z + counter.to_bytes(4, "big"))
        counter += 1
    return out[:length]


def encrypt(public: bytes, message: bytes, *, curve: Curve = SM2P256V1) -> bytes:
    """SM2 public-key encryption (GB/T 32918.4): ``C1 (65) ‖ C3 (32) ‖ C2 (len message)``."""
    if not message:
        raise GMError("nothing to encrypt")
    _decode_public(public, curve)
    while True:
        k = _random_scalar(curve)
        x1, y1 = _mul(curve, k, _point_hex(curve.gx, curve.gy))
        x2, y2 = _mul(curve, k, public[1:].hex())
        xb, yb = x2.to_bytes(32, "big"), y2.to_bytes(32, "big")
        t = _kdf(xb + yb, len(message))
        if any(t):
            break
    c1 = b"\x04" + x1.to_bytes(32, "big") + y1.to_bytes(32, "big")
    c2 = bytes(m ^ k_ for m, k_ in zip(message, t, strict=True))
    return c1 + sm3(xb + message + yb) + c2


def decrypt(private: bytes, data: bytes, *, curve: Curve = SM2P256V1) -> bytes:
    if len(data) < 65 + 32 + 1 or data[0] != 4:
        raise GMError("not an SM2 ciphertext C1 || C3 || C2")
    x1, y1 = int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:65], "big")
    if not on_curve(curve, x1, y1):
        raise GMError("C1 is not a point of the curve")
    c3, c2 = data[65:97], data[97:]
    x2, y2 = _mul(curve, int.from_bytes(private, "big"), _point_hex(x1, y1))
    xb, yb = x2.to_bytes(32, "big"), y2.to_bytes(32, "big")
    t = _kdf(xb + yb, len(c2))
    if not any(t):
        raise GMError("SM2 KDF output is zero")
    message = bytes(c ^ k_ for c, k_ in zip(c2, t, strict=True))
    if not secrets.compare_digest(sm3(xb + message + yb), c3):
        raise GMError("SM2 ciphertext check value C3 does not match")
    return message
