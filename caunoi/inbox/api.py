"""The ``/api/v1`` operations of inbox and petitions."""

from ninja import Router

router = Router(tags=["inbox"])
