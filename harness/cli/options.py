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
