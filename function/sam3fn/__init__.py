"""sam3fn: Meta's SAM 3 text-prompted segmentation, packaged as a serverless GPU function.

`sam3fn.core` holds the model core (weights, image/text encoding, post-processing, encodings);
it never imports the web layer. The command line lives in `sam3fn.cli`.
"""

__version__ = "0.1.0"
