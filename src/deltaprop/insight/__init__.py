"""Insight: checks and diagnostics that show how and why a network learns."""

from .gradcheck import GradcheckResult, LayerCheck, gradcheck

__all__ = ["GradcheckResult", "LayerCheck", "gradcheck"]
