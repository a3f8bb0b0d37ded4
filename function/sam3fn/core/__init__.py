"""The segmentation core: image -> features -> instances -> encodings. No web imports here."""
