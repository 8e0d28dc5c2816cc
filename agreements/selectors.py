"""Reads of the agreements app: the registry, coverage and the public list.

Every function here runs a fixed number of queries whatever the number of
agreements, agencies or services (tests assert it for 5 and 50).
"""

from collections import defaultdict

from django.db.models import Prefetch

from agreements.models import Agreement, AgreementParty, CoverageSnapshot, PendingService
from mpp_portal.organizations.models import Agency
from services.models import CounterService, Service

S = Agreement.Status


def registry_queryset(queryset):
    """The registry's rows with what a list shows, in constant queries."""
    return queryset.select_related("hall", "amends", "renews", "implements").prefetch_related(
        Prefetch("parties", queryset=AgreementParty.objects.select_related("agency"))
    )


def _active_links(hall):
    """{service_id: [agreement, ...]} of the hall's active agreements."""
    active = {
        a.pk: a
        for a in Agreement.objects.filter(hall=hall, status=S.ACTIVE).prefetch_related("parties")
    }
    links = defaultdict(list)
    for service_id, agreement_id in Agreement.services.through.objects.filter(
        agreement_id__in=list(active)
    ).values_list("service_id", "agreement_id"):
        links[service_id].append(active[agreement_id])
    return links


def coverage(hall):
    """Per agency of ``hall``: its catalogue services, the active agreements
    covering each, the counters serving each (flagged when uncovered); the
    list of services not yet in the MPP; the headline figures; the history.
    """
    agencies = list(Agency.objects.filter(hall=hall, is_active=True).order_by("name"))
    services = list(
        Service.objects.filter(agency__hall=hall, is_active=True)
        .select_related("agency")
        .order_by("agency_id", "name")
    )
    links = _active_links(hall)
    counters_of = defaultdict(list)
    for row in (
        CounterService.objects.filter(service__agency__hall=hall, service__is_active=True)
        .select_related("counter")
        .order_by("counter__number")
    ):
        counters_of[row.service_id].append(row.counter)
    by_agency = defaultdict(list)
    flagged = []
    covered = 0
    for service in services:
        agreements = links.get(service.pk, [])
        counters = counters_of.get(service.pk, [])
        entry = {
            "service": service,
            "agreements": agreements,
            "covered": bool(agreements),
            "counters": counters,
            "flagged": bool(counters) and not agreements,
        }
        covered += entry["covered"]
        if entry["flagged"]:
            flagged.append(entry)
        by_agency[service.agency_id].append(entry)
    pending = list(PendingService.objects.filter(hall=hall).select_related("agency"))
    rows = []
    for agency in agencies:
        entries = by_agency.get(agency.pk, [])
        rows.append(
            {
                "agency": agency,
                "services": entries,
                "covered": sum(e["covered"] for e in entries),
                "flagged": sum(e["flagged"] for e in entries),
                "pending": [p for p in pending if p.agency_id == agency.pk],
            }
        )
    figures = _figures(len(services), covered, len(pending))
    figures["counters_flagged"] = len({c.pk for e in flagged for c in e["counters"]})
    history = list(CoverageSnapshot.objects.filter(hall=hall).order_by("date"))
    return {
        "agencies": rows,
        "flagged": flagged,
        "pending": pending,
        "figures": figures,
        "history": history,
    }


def _figures(in_mpp, covered, pending):
    total = in_mpp + pending
    return {
        "services_in_mpp": in_mpp,
        "services_covered": covered,
        "services_uncovered": in_mpp - covered,
        "services_pending": pending,
        "share_centralised": round(100 * in_mpp / total, 1) if total else 0.0,
        "share_covered": round(100 * covered / in_mpp, 1) if in_mpp else 0.0,
    }


def coverage_figures(hall):
    """Only the headline figures of ``hall`` (three queries)."""
    in_mpp = Service.objects.filter(agency__hall=hall, is_active=True).count()
    covered = (
        Service.objects.filter(
            agency__hall=hall,
            is_active=True,
            agreements__status=S.ACTIVE,
            agreements__hall=hall,
        )
        .distinct()
        .count()
    )
    pending = PendingService.objects.filter(hall=hall).count()
    return _figures(in_mpp, covered, pending)


def public_serving(halls):
    """Agencies serving in each hall and the agreement each serves under.

    No scans, no personal data: number, kind, term and state only. An
    agency without an active agreement is listed with none.
    """
    agencies = list(
        Agency.objects.filter(hall__in=halls, is_active=True, services__is_active=True)
        .distinct()
        .select_related("hall")
        .order_by("hall__name", "name")
    )
    parties = (
        AgreementParty.objects.filter(
            agency__in=agencies,
            agreement__status__in=[S.ACTIVE, S.SIGNED],
            agreement__kind__in=[Agreement.Kind.PKS, Agreement.Kind.JOINT],
        )
        .select_related("agreement")
        .prefetch_related("agreement__parties")
        .order_by("-agreement__start_date")
    )
    under = defaultdict(list)
    for party in parties:
        under[party.agency_id].append(party.agreement)
    return [{"agency": agency, "agreements": under.get(agency.pk, [])} for agency in agencies]


def stakeholders(hall):
    """The hall's agencies (the stakeholders) with who signs, who to contact,
    and the agreements they are a party to, in three queries."""
    agencies = list(Agency.objects.filter(hall=hall).order_by("kind", "name"))
    parties = (
        AgreementParty.objects.filter(agency__in=agencies)
        .select_related("agreement")
        .prefetch_related("agreement__parties")
        .order_by("-agreement__signed_on", "-agreement_id")
    )
    of = defaultdict(list)
    for party in parties:
        of[party.agency_id].append(party.agreement)
    rows = []
    for agency in agencies:
        agreements = of.get(agency.pk, [])
        current = next(
            (a for a in agreements if a.status == S.ACTIVE and a.kind != Agreement.Kind.ADDENDUM),
            None,
        )
        rows.append({"agency": agency, "agreements": agreements, "current": current})
    return rows
