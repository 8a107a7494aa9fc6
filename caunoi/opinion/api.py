"""The ``/api/v1`` operations of public opinion."""

from ninja import Router

router = Router(tags=["opinion"])
