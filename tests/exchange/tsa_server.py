"""A real RFC 3161 timestamp authority for the tests: an HTTP server thread answering ``TimeStampReq`` with a
``TimeStampResp`` signed (pyHanko's DummyTimeStamper) by a TSA certificate issued by a test CA."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_tsa(now: dt.datetime):
    """(CA certificate, TSA certificate, TSA key) valid around ``now``."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=3650)
    ca = (x509.CertificateBuilder().subject_name(_name("Test TSA Root")).issuer_name(_name("Test TSA Root"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    tsa = (x509.CertificateBuilder().subject_name(_name("Test TSA")).issuer_name(ca.subject)
           .public_key(tsa_key.public_key()).serial_number(2).not_valid_before(start).not_valid_after(end)
           .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
           .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
           .sign(ca_key, hashes.SHA256()))
    return ca, tsa, tsa_key


class TSAServer:
    """``with TSAServer(now) as server: server.url`` — answers until the block ends; ``server.ca`` is the root;
    ``server.down = True`` makes it refuse."""

    def __init__(self, now: dt.datetime):
        self.ca, self.tsa, key = make_tsa(now)
        self.requests = 0
        self.down, self.refused = False, 0  # ``down``: answer 503 Service Unavailable, counted in ``refused``
        stamper = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(self.tsa.public_bytes(serialization.Encoding.DER)),
            tsa_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
            fixed_dt=now,
        )
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if server.down:  # a TSA that is out of service
                    server.refused += 1
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                answer = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                server.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/tsa"
        self.ca_pem = self.ca.public_bytes(serialization.Encoding.PEM)

    def __enter__(self):
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
