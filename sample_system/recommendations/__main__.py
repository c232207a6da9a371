"""Run one replica of the recommendations service: `python -m sample_system.recommendations`."""

from sample_system.common.serve import run_service
from sample_system.recommendations.app import create_app

if __name__ == "__main__":
    run_service("recommendations", create_app)
