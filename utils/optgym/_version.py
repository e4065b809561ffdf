"""OptGym's version, the one place it is written.

CMake (the plugin's registration and protocol hello), the package metadata
(pyproject.toml) and Python read it from this file.
"""

__version__ = "0.1.0"
