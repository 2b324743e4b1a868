"""The experiments' chi^2 definitions with their nuisance parameters, profiled for batches of hypotheses."""

from .base import Likelihood, Nuisance
from .csi import csi_likelihood
from .lar import lar_likelihood
from .profile import poisson_deviance, profile_gaussian, profile_poisson

__all__ = ["Likelihood", "Nuisance", "csi_likelihood", "lar_likelihood", "poisson_deviance", "profile_gaussian",
           "profile_poisson"]
