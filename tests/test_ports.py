"""Ports planned for one deployment are all different, though none is bound until later."""

from harness import ports


def test_ports_handed_out_before_anything_binds_them_never_repeat(monkeypatch):
    # a narrow range makes a repeat certain if the handed-out ports were not remembered
    monkeypatch.setattr(ports, "RUN_PORTS_LOW", 21000)
    monkeypatch.setattr(ports, "ephemeral_range", lambda: (21000 + 1000, 60999))
    picked = [ports.stable_free_port() for _ in range(300)]
    assert len(set(picked)) == len(picked)
    assert all(21000 <= port < 22000 for port in picked)


def test_the_remembered_ports_are_bounded(monkeypatch):
    monkeypatch.setattr(ports, "HANDED_OUT_KEPT", 50)
    for _ in range(120):
        ports.stable_free_port()
    assert len(ports._handed_out) <= 50
