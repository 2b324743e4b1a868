"""cevns_lib: CEvNS physics library (MeV units)."""

__version__ = "0.1.0"
