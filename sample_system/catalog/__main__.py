"""Run one replica of the catalog service: `python -m sample_system.catalog`."""

from sample_system.catalog.app import create_app
from sample_system.common.serve import run_service

if __name__ == "__main__":
    run_service("catalog", create_app)
