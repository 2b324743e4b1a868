"""COHERENT detector responses built from the data releases: CsI[Na] 2021 and LAr (CENNS-10) 2020."""

from .base import Detector
from .csi import csi_2021
from .lar import lar_2020

__all__ = ["Detector", "csi_2021", "lar_2020"]
