"""Inference: load a trained model in Python and batch-run it into structured events.

``from inference import Extractor`` is resolved lazily so that light commands
(validate, convert) never import torch.
"""

__all__ = ["Extractor"]


def __getattr__(name: str):
    if name == "Extractor":
        from inference.extractor import Extractor

        return Extractor
    raise AttributeError(name)
