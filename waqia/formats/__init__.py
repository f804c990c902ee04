"""Converters between documents and the file formats annotators and corpora use."""
