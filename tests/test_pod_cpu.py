"""The pods' CPU weight on the local node, on a fake cgroup tree of either version."""

from __future__ import annotations

from harness.cluster.pod_cpu import PODS_CPU_SHARES, PODS_CPU_WEIGHT, favour_pods


def test_cgroup_v1_gets_the_shares(tmp_path):
    shares = tmp_path / "cpu" / "kubepods" / "cpu.shares"
    shares.parent.mkdir(parents=True)
    shares.write_text("2048\n")
    assert favour_pods(tmp_path) == str(shares)
    assert int(shares.read_text()) == PODS_CPU_SHARES


def test_cgroup_v2_gets_the_weight(tmp_path):
    weight = tmp_path / "kubepods" / "cpu.weight"
    weight.parent.mkdir(parents=True)
    weight.write_text("79\n")
    assert favour_pods(tmp_path) == str(weight)
    assert int(weight.read_text()) == PODS_CPU_WEIGHT


def test_no_kubepods_group_is_left_alone(tmp_path):
    assert favour_pods(tmp_path) is None
    assert list(tmp_path.iterdir()) == []
