"""The kernel's version: plugins declare which core versions they work with against it."""

__version__ = "0.1.0"
