"""The ``/api/v1`` operations of campaigns."""

from ninja import Router

router = Router(tags=["campaigns"])
