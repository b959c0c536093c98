"""Handwritten-character recognition: EMNIST byclass -> Keras CNN -> TF.js page."""
__version__ = "0.1.0"
