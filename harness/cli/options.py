"""Command-line options that more than one command takes, defined once."""

from __future__ import annotations

import argparse


def add_run_shape_options(parser: argparse.ArgumentParser) -> None:
    """`--seed` and `--time-scale`: what `plan` shows is what `run` does with the same values."""
    parser.add_argument("--seed", type=int, default=None, help="override the scenario's seed")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        metavar="F",
        help="multiply every phase and fault time by F (0.2: five times shorter)",
    )


def add_cluster_options(parser: argparse.ArgumentParser) -> None:
    """Where a Kubernetes run acts: `--kube-context` and `--registry` (the same as
    FIREBREAK_KUBE_CONTEXT and FIREBREAK_REGISTRY, which child processes inherit)."""
    parser.add_argument(
        "--kube-context",
        default=None,
        metavar="NAME",
        help="with --platform kubernetes: the context (on FIREBREAK_K8S_CONTEXTS' allowlist)",
    )
    parser.add_argument(
        "--registry",
        default=None,
        metavar="HOST[:PORT][/PATH]",
        help="with --platform kubernetes: push the run's images here for the cluster to pull",
    )


def apply_cluster_options(args: argparse.Namespace) -> None:
    """Checked here, so a bad value exits 2 before anything starts."""
    import os

    from harness.platforms.kubernetes.images import REGISTRY_ENV, checked_registry
    from harness.platforms.kubernetes.target import CONTEXT_ENV

    if args.kube_context:
        os.environ[CONTEXT_ENV] = args.kube_context
    if args.registry:
        os.environ[REGISTRY_ENV] = checked_registry(args.registry, "--registry")
