"""Run one replica of the payments service: `python -m sample_system.payments`."""

from sample_system.common.serve import run_service
from sample_system.payments.app import create_app

if __name__ == "__main__":
    run_service("payments", create_app)
