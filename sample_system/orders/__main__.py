"""Run one replica of the orders service: `python -m sample_system.orders`."""

from sample_system.common.serve import run_service
from sample_system.orders.app import create_app

if __name__ == "__main__":
    run_service("orders", create_app)
