"""The ``/api/v1`` operations of training."""

from ninja import Router

router = Router(tags=["training"])
