"""New-physics models. Each supplies amplitudes (couplings times nuclear charges) to the SM's cross-section
terms, or new terms; the rate engine and the likelihoods do the rest."""

from .light_mediators import (MODEL_NAMES, SEED000_MEDIATORS, U1_MODELS, ScalarMediator, TensorMediator,
                              VectorMediator, ZPrimeCharges, model, u1_model)

__all__ = ["MODEL_NAMES", "SEED000_MEDIATORS", "TensorMediator", "U1_MODELS", "ScalarMediator", "VectorMediator",
           "ZPrimeCharges", "model", "u1_model"]
