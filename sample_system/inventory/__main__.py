"""Run one replica of the inventory service: `python -m sample_system.inventory`."""

from sample_system.common.serve import run_service
from sample_system.inventory.app import create_app

if __name__ == "__main__":
    run_service("inventory", create_app)
