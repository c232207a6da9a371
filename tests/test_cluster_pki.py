"""The local node's certificates carry the names the API server's authorizers expect, and its
ranges are ones a check can probe."""

from __future__ import annotations

import ipaddress

from cryptography import x509

from harness.cluster.layout import API_SERVICE_IP, CLUSTER_CIDR, NODE_NAME, SERVICE_CIDR
from harness.cluster.network import sample_addresses
from harness.cluster.pki import ensure_pki


def load(folder, name):
    return x509.load_pem_x509_certificate((folder / f"{name}.crt").read_bytes())


def test_certificates_name_what_the_authorizers_expect(tmp_path):
    assert ensure_pki(tmp_path, "192.0.2.2") is True
    assert ensure_pki(tmp_path, "192.0.2.2") is False  # found, not made again
    ca = load(tmp_path, "ca")
    kubelet = load(tmp_path, "kubelet")
    subject = {a.oid._name: a.value for a in kubelet.subject}
    assert subject == {"commonName": f"system:node:{NODE_NAME}", "organizationName": "system:nodes"}
    kubelet.verify_directly_issued_by(ca)
    serving = load(tmp_path, "apiserver")
    names = serving.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    ips = {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}
    assert {"127.0.0.1", "192.0.2.2", API_SERVICE_IP} <= ips
    assert "kubernetes.default.svc" in names.get_values_for_type(x509.DNSName)
    assert (tmp_path / "sa.key").stat().st_mode & 0o077 == 0
    # a new machine address means new serving certificates
    assert ensure_pki(tmp_path, "192.0.2.9") is True
    names = (
        load(tmp_path, "apiserver")
        .extensions.get_extension_for_class(x509.SubjectAlternativeName)
        .value
    )
    assert "192.0.2.9" in {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}


def test_sample_addresses_cover_both_ranges():
    addresses = [ipaddress.ip_address(a) for a in sample_addresses()]
    for cidr in (SERVICE_CIDR, CLUSTER_CIDR):
        inside = [a for a in addresses if a in ipaddress.ip_network(cidr)]
        assert len(inside) == 4
