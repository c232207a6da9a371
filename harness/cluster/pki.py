"""The node's certificates: one CA, a serving certificate for each server, a client certificate
for each component, and the service-account key pair; made with `cryptography` in about a second.

The names are what the API server's authorizers expect: the kubelet is `system:node:<node>` in
`system:nodes` (the Node authorizer), the controller manager, scheduler and kube-proxy are the
users the default RBAC policy already binds, and the admin is in `system:masters`.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from harness.cluster.layout import API_SERVICE_IP, CLUSTER_DOMAIN, NODE_NAME

VALID_DAYS = 3650
SERVER = ExtendedKeyUsageOID.SERVER_AUTH
CLIENT = ExtendedKeyUsageOID.CLIENT_AUTH


@dataclass(frozen=True)
class CertSpec:
    name: str  # file stem: <name>.crt, <name>.key
    common_name: str
    organization: str | None = None
    usages: tuple[x509.ObjectIdentifier, ...] = (CLIENT,)
    dns_names: tuple[str, ...] = ()
    ip_addresses: tuple[str, ...] = ()


def cert_specs(node_ip: str) -> list[CertSpec]:
    service_names = tuple(
        f"kubernetes{suffix}"
        for suffix in ("", ".default", ".default.svc", f".default.svc.{CLUSTER_DOMAIN}")
    )
    return [
        CertSpec(
            "apiserver",
            "kube-apiserver",
            usages=(SERVER,),
            dns_names=(*service_names, "localhost", NODE_NAME),
            ip_addresses=("127.0.0.1", node_ip, API_SERVICE_IP),
        ),
        CertSpec(
            "etcd-server",
            "etcd",
            usages=(SERVER, CLIENT),
            dns_names=("localhost",),
            ip_addresses=("127.0.0.1",),
        ),
        CertSpec("apiserver-etcd-client", "kube-apiserver-etcd-client"),
        CertSpec("apiserver-kubelet-client", "kube-apiserver-kubelet-client", "system:masters"),
        CertSpec("admin", "firebreak-admin", "system:masters"),
        CertSpec("kube-controller-manager", "system:kube-controller-manager"),
        CertSpec("kube-scheduler", "system:kube-scheduler"),
        CertSpec("kube-proxy", "system:kube-proxy", "system:node-proxier"),
        CertSpec("kubelet", f"system:node:{NODE_NAME}", "system:nodes"),
        CertSpec(
            "kubelet-serving",
            NODE_NAME,
            usages=(SERVER,),
            dns_names=(NODE_NAME, "localhost"),
            ip_addresses=(node_ip, "127.0.0.1"),
        ),
    ]


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        parts.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(parts)


def _builder(subject: x509.Name, issuer: x509.Name, public_key: object) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
    )


def _make_ca(folder: Path) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = _new_key()
    name = _name("firebreak-local-ca")
    cert = (
        _builder(name, name, key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    _write_key(folder / "ca.key", key)
    (folder / "ca.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _make_cert(
    folder: Path, spec: CertSpec, ca: x509.Certificate, ca_key: rsa.RSAPrivateKey
) -> None:
    key = _new_key()
    builder = (
        _builder(_name(spec.common_name, spec.organization), ca.subject, key.public_key())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, True, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage(list(spec.usages)), critical=False)
    )
    alt_names: list[x509.GeneralName] = [x509.DNSName(name) for name in spec.dns_names]
    alt_names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in spec.ip_addresses]
    if alt_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    _write_key(folder / f"{spec.name}.key", key)
    (folder / f"{spec.name}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def ensure_pki(folder: Path, node_ip: str) -> bool:
    """Make every certificate unless they exist for this node address; True if it made them.

    A new address (the machine was given another one) needs new serving certificates, so the
    whole set is made again rather than patched."""
    stamp = folder / "stamp.json"
    wanted = {"node_ip": node_ip, "names": [spec.name for spec in cert_specs(node_ip)]}
    if stamp.is_file():
        try:
            if json.loads(stamp.read_text()) == wanted:
                return False
        except ValueError:
            pass
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    ca, ca_key = _make_ca(folder)
    for spec in cert_specs(node_ip):
        _make_cert(folder, spec, ca, ca_key)
    service_account = _new_key()
    _write_key(folder / "sa.key", service_account)
    (folder / "sa.pub").write_bytes(
        service_account.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    stamp.write_text(json.dumps(wanted))
    return True
