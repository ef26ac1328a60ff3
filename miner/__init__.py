"""miner: find recurrent late CRS in case reports and clinical notes."""

__version__ = "0.1.0"
