"""Open311 GeoReport v2 (``/open311/v2/``): the public contract through which existing Open311 apps list
services and file and follow requests, mapped onto petitions (phản ánh, kiến nghị).

A public contract with its own schemas and error format (the GeoReport spec's), over the inbox's
services and models; see docs/open311.md.
"""
