"""The registry as xlsx sheets (the tables a province sends up for its periodic and five-year reviews)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from caunoi.practices.models import Evaluation, Practice, Replication
from caunoi.practices.selectors import evaluation_result
from caunoi.reports.xlsx import Cell, Sheet


def _figures(practice: Practice) -> str:
    return "; ".join(f"{f['label']}: {f['value']:g} {f.get('unit', '')}".strip() for f in practice.figures)


def practices_sheet(practices: QuerySet[Practice]) -> Sheet:
    def rows() -> Iterator[Sequence[Cell]]:
        for p in practices.iterator(chunk_size=500):
            yield (
                p.pk,
                p.year,
                p.unit.code,
                p.unit.name,
                p.title,
                str(p.get_field_display()),
                p.people_in_charge,
                p.started_on,
                p.ended_on,
                p.problem,
                p.method,
                p.results,
                _figures(p),
                p.beneficiaries,
                str(p.get_status_display()),
                str(p.get_recognised_level_display()) if p.recognised_level else "",
                p.recognised_year,
            )

    headers = [
        _("ID"),
        _("Year"),
        _("Unit code"),
        _("Unit"),
        _("Title"),
        _("Field"),
        _("People in charge"),
        _("Start"),
        _("End"),
        _("Problem"),
        _("Method"),
        _("Results"),
        _("Figures"),
        _("Beneficiaries"),
        _("Status"),
        _("Recognition level"),
        _("Year recognised"),
    ]
    return Sheet(_("Practices"), headers, rows())


def evaluations_sheet(evaluations: QuerySet[Evaluation]) -> Sheet:
    def rows() -> Iterator[Sequence[Cell]]:
        for e in evaluations.prefetch_related("committee__criteria"):
            result = evaluation_result(e)
            yield (
                e.pk,
                e.practice.title,
                e.practice.unit.name,
                e.committee.name,
                str(e.committee.get_level_display()),
                e.committee.year,
                result.members,
                result.mean,
                result.minimum,
                result.maximum,
                result.std,
                str(e.get_status_display()),
                "" if e.recognised is None else (_("Recognised") if e.recognised else _("Not recognised")),
                e.comment,
            )

    headers = [
        _("ID"),
        _("Practice"),
        _("Unit"),
        _("Committee"),
        _("Level"),
        _("Year"),
        _("Members who scored"),
        _("Result (0-10)"),
        _("Lowest"),
        _("Highest"),
        _("Standard deviation"),
        _("Status"),
        _("Decision"),
        _("Comment"),
    ]
    return Sheet(_("Evaluations"), headers, rows())


def replications_sheet(replications: QuerySet[Replication]) -> Sheet:
    def rows() -> Iterator[Sequence[Cell]]:
        for r in replications.iterator(chunk_size=500):
            yield (
                r.pk,
                r.source.title,
                r.source.unit.name,
                r.unit.code,
                r.unit.name,
                r.started_on,
                str(r.get_status_display()),
                r.progress,
                r.beneficiaries,
                r.adaptation_notes,
                r.results,
                r.last_update_at,
            )

    headers = [
        _("ID"),
        _("Practice"),
        _("Originating unit"),
        _("Unit code"),
        _("Adopting unit"),
        _("Start"),
        _("Status"),
        _("Progress (%)"),
        _("Beneficiaries"),
        _("Adaptation notes"),
        _("Results"),
        _("Last update"),
    ]
    return Sheet(_("Replications"), headers, rows())
