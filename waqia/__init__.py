"""waqia (واقعة): the shared core of the Arabic event extractor.

`training/` and `inference/` both build on this package: the annotation schema,
documents and their file formats, text-to-subword alignment, the joint model and
its decoding live here exactly once.
"""

__version__ = "0.1.0"
