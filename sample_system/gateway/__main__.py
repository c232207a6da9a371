"""Run one replica of the gateway service: `python -m sample_system.gateway`."""

from sample_system.common.serve import run_service
from sample_system.gateway.app import create_app

if __name__ == "__main__":
    run_service("gateway", create_app)
