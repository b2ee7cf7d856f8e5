"""Insight: checks and diagnostics that show how and why a network learns.

- :func:`gradcheck`: backprop against finite differences;
- :class:`Monitor`: per-layer figures recorded during training (a callback);
- :func:`diagnose`: a network's layers on some data, with findings tied to BP1–BP4;
- :func:`genie`: the text's thought experiment, ΔC ≈ δ^l_j Δz, run on a real network;
- :mod:`.plots` and :mod:`.report`: figures (matplotlib) and a self-contained HTML report.
"""

from .diagnose import Diagnosis, LayerDiagnostics, diagnose
from .findings import Finding
from .genie import GenieNeuron, GenieResult, genie
from .gradcheck import GradcheckResult, LayerCheck, gradcheck
from .monitor import Monitor
from .run import Run, load_run, record_run, save_run

__all__ = [
    "Diagnosis",
    "Finding",
    "GenieNeuron",
    "GenieResult",
    "GradcheckResult",
    "LayerCheck",
    "LayerDiagnostics",
    "Monitor",
    "Run",
    "diagnose",
    "genie",
    "gradcheck",
    "load_run",
    "record_run",
    "save_run",
]
