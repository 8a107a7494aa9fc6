"""The ``/api/v1`` operations of good practices."""

from ninja import Router

router = Router(tags=["practices"])
