"""tap_platform: the components, settings and procedures of the tap web-service platform.

Services depend on a released version of this package (CHANGELOG.md says what each changes).
"""

__version__ = "0.4.0"
