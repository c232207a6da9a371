"""`slicer`: data arrives in small slices with a delay between them — a slow drip that a read
timeout alone never catches."""

from harness.faults.toxic import ToxicFault


class SlicerFault(ToxicFault):
    toxic_type = "slicer"

    def attributes(self) -> dict[str, int]:
        return {
            "average_size": int(self.spec.average_size_bytes),
            "size_variation": int(self.spec.size_variation_bytes),
            "delay": int(self.spec.delay_us),  # Toxiproxy's unit here is microseconds
        }
