"""``baton serve --tls-cert FILE --tls-key FILE``: HTTPS with a throwaway certificate, and a
clear refusal of files it cannot use."""

from __future__ import annotations

import ipaddress
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import etree
from zeep import Client
from zeep.transports import Transport

from baton.cli.exits import ExitCode
from tests.cli.conftest import Cli, describe
from tests.cli.test_serve import _free_port, first_answer
from tests.conftest import Installation


def self_signed(folder: Path, *, password: bytes | None = None) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, signed by its own key: (cert, key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "baton test")])
    now = datetime.now(UTC)
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    key_file.chmod(0o600)
    return cert_file, key_file


@contextmanager
def baton_serve(
    installation: Installation, log: Path, *args: str
) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "BATON_DATABASE_URL": installation.settings.registry_url}
    command = [sys.executable, "-m", "baton", "--home", str(installation.settings.home), "serve"]
    with log.open("w") as sink:
        process = subprocess.Popen([*command, *args], env=env, stdout=sink, stderr=sink)
        try:
            yield process
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_serves_https_with_the_given_certificate(
    installation: Installation, tmp_path: Path
) -> None:
    cert, key = self_signed(tmp_path / "tls")
    port = _free_port()
    base = f"https://127.0.0.1:{port}"
    trust = ssl.create_default_context(cafile=str(cert))
    log = tmp_path / "serve.log"
    args = ("--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key))
    with baton_serve(installation, log, *args) as process, httpx.Client(verify=trust) as client:
        health = f"{base}/healthz"
        answer = first_answer(lambda url: client.get(url, timeout=2), health, process, log)
        assert answer.status_code == 200, answer.text
        assert answer.json()["database"] == "ok"

        wsdl = client.get(f"{base}/soap/runtime?wsdl", timeout=10)
        address = etree.fromstring(wsdl.content).find(
            ".//{http://schemas.xmlsoap.org/wsdl/soap/}address"
        )
        assert address is not None and address.get("location") == f"{base}/soap/runtime"

        with requests.Session() as session:
            session.trust_env = False  # else REQUESTS_CA_BUNDLE would win over verify
            session.verify = str(cert)
            session.auth = ("admin", installation.admin_password)
            soap = Client(f"{base}/soap/runtime?wsdl", transport=Transport(session=session))
            assert not soap.service.ListJobs()

        with pytest.raises(httpx.TransportError):  # the certificate is not trusted by default
            httpx.get(f"{base}/healthz", timeout=5)


def test_a_missing_certificate_is_a_config_error(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "cert.pem"
    _, key = self_signed(tmp_path / "tls")
    port = str(_free_port())

    result = cli("serve", "--port", port, "--tls-cert", str(missing), "--tls-key", str(key))

    assert result.exit_code == ExitCode.CONFIG, describe(result)
    assert f"tls_cert: cannot read {missing}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_certificate_without_its_key_is_a_config_error(cli: Cli, tmp_path: Path) -> None:
    cert, _ = self_signed(tmp_path / "tls")

    result = cli("serve", "--port", str(_free_port()), "--tls-cert", str(cert))

    assert result.exit_code == ExitCode.CONFIG, describe(result)
    assert "tls_cert and tls_key go together" in result.stderr


@pytest.mark.parametrize("problem", ["other-key", "not-pem", "encrypted"])
def test_unusable_files_are_a_config_error(cli: Cli, tmp_path: Path, problem: str) -> None:
    cert, key = self_signed(
        tmp_path / "tls", password=b"secret" if problem == "encrypted" else None
    )
    if problem == "other-key":
        _, key = self_signed(tmp_path / "other")
    elif problem == "not-pem":
        cert.write_text("not a certificate\n")

    result = cli(
        "serve", "--port", str(_free_port()), "--tls-cert", str(cert), "--tls-key", str(key)
    )

    assert result.exit_code == ExitCode.CONFIG, describe(result)
    expected = "is encrypted" if problem == "encrypted" else "are not a PEM certificate"
    assert expected in result.stderr, describe(result)
    assert "Traceback" not in result.stderr + result.stdout
