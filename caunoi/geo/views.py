from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from caunoi.core.access import capability_required
from caunoi.core.errors import ApplicationError
from caunoi.core.permissions import Capability, viewer_of
from caunoi.core.text import search_term
from caunoi.geo import selectors, services
from caunoi.geo.forms import VillageForm
from caunoi.geo.models import Unit, UnitLevel


@capability_required(Capability.VIEW_UNITS)
def unit_home(request: HttpRequest) -> HttpResponse:
    """The units this viewer serves: their province's communes, or their own commune."""
    viewer = viewer_of(request)
    roots = Unit.objects.filter(pk__in={g.unit_id for g in viewer.grants}).order_by("path")
    if len(roots) == 1:
        return redirect("geo:detail", unit_id=roots[0].pk)
    return render(request, "geo/home.html", {"roots": roots})


@capability_required(Capability.VIEW_UNITS)
@require_http_methods(["GET", "POST"])
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    unit = selectors.access_unit(viewer, unit_id)
    can_add_village = unit.level == UnitLevel.COMMUNE and viewer.covers(Capability.MANAGE_VILLAGES, unit)
    form = VillageForm(request.POST or None)
    if request.method == "POST":
        if not can_add_village:
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                village = services.village_create(commune=unit, actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("%(name)s was added.") % {"name": village.name})
                return redirect("geo:detail", unit_id=unit.pk)
    search = search_term(request.GET.get("q", ""))
    children = selectors.unit_children(parent=unit, search=search)
    page = Paginator(children, 100).get_page(request.GET.get("page"))
    template = "geo/_children.html" if request.htmx else "geo/detail.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {"unit": unit, "page": page, "search": search, "form": form, "can_add_village": can_add_village},
    )
