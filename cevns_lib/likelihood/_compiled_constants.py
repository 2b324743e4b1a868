"""Constants shared by the numpy and the compiled profilers (importable without numba)."""

ROUNDOFF = 1e-12  # a negative count within ROUNDOFF x (its hypothesis's total counts) of zero is round-off
BLOCK = 64  # hypotheses per block of the compiled kernels: warm starts run within a block
