"""Ahead-of-time engines for SAM 3: export three stages with torch.export, compile, gate on parity.

Uses the function's model core (sam3fn.core) to load weights; the function never imports this package.
"""
