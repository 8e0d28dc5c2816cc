"""The dashboard's tiles: one module per strategic issue, one contract.

Each module of this package defines ``build(ctx) -> Tile`` and is listed in
``TILE_MODULES`` in page order. A tile computes its figures in the database
(one query per tile where it can, never a Python loop over rows), for
``ctx.period`` and, for comparison, ``ctx.period.previous()``. A tile holds
aggregates only: nothing in it may identify a citizen, so the same tile
serves the public page (``ctx.public``), the CSV export, the evidence pack's
cover PDF and the REST API.

``ctx.agency`` is set for an agency admin: the tile then shows that agency's
slice only (or ``Tile.hidden_for_agency`` when the figure has no per-agency
meaning; the page leaves such a tile out).
"""

import contextlib
import importlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from regency.periods import Period

# Page order. Each name is a module of this package defining build(ctx).
TILE_MODULES = (
    "centralised",  # services in the MPP under an active agreement vs not yet in it
    "commitment",  # FKM forums, berita acara signed, agreement items on time / late / open
    "awareness",  # visitors, new vs returning, bookings online, catalogue page views
    "staff",  # waits and service times, tickets per staff hour, busiest hours, over-standard
    "complaints",  # LAPOR flow: received, verified <= 3 wd, followed up <= 5 wd, overdue, rating
    "investment",  # SIPABES NIBs and capital against the year's target
    "ikm",  # IKM per service and for the hall, grade, minimum sample reached
)


@dataclass(frozen=True)
class Context:
    """What every tile is built for."""

    hall: Any  # organizations.Hall
    period: Period
    agency: Any = None  # organizations.Agency for an agency admin's slice
    public: bool = False  # the public page: aggregates only, no staff links
    today: Any = None  # datetime.date (WIB); "now" figures (overdue now) use it


@dataclass
class Figure:
    """One number with its comparison.

    ``value`` and ``previous`` are int, Decimal, float or None (no data: shown
    as "–", never as 0). ``unit`` is a short suffix ("%", "menit", "Rp").
    ``key`` is stable and machine-readable (CSV column, API field, indicator
    source); ``label`` is translatable text.
    """

    key: str
    label: str
    value: int | float | Decimal | None
    previous: int | float | Decimal | None = None
    unit: str = ""
    # True when a higher value is better (arrow colour); None: neutral.
    higher_is_better: bool | None = True
    note: str = ""


@dataclass
class Table:
    """The tile's detail as a table: for screen readers, the CSV and the PDF."""

    columns: list[str]  # translatable headers
    rows: list[list[Any]]  # one list per row, same length as columns
    caption: str = ""


@dataclass
class Chart:
    """Data for the vendored Chart.js (rendered from json_script, no inline JS)."""

    type: str  # "bar" | "line" | "doughnut"
    labels: list[str]
    datasets: list[dict]  # [{"label": str, "data": [numbers]}]


@dataclass
class Tile:
    key: str  # the module name
    title: str
    definition: str  # the "cara hitung" note: period and how each figure is counted
    figures: list[Figure] = field(default_factory=list)
    table: Table | None = None
    chart: Chart | None = None
    # Where the tile's figures come from in the portal: a URL name and kwargs;
    # the public page links to public_url instead (or to nothing).
    url: str = ""
    public_url: str = ""
    hidden_for_agency: bool = False

    def figure(self, key: str) -> Figure:
        for item in self.figures:
            if item.key == key:
                return item
        raise KeyError(key)


@contextlib.contextmanager
def without_jit():
    """A transaction in which PostgreSQL compiles no query (``SET LOCAL jit = off``).

    A tile's statements are estimated costly (a year of rows, many CTEs)
    but run in milliseconds over the daily rollup; PostgreSQL's JIT then
    spends more than a second compiling each of them (measured at
    1,000,000 tickets: the staff tile 3.7 s with it, 0.4 s without).
    """
    if getattr(connection, "_regency_without_jit", False):
        yield  # inside build_all: already so
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        connection._regency_without_jit = True
        try:
            yield
        finally:
            connection._regency_without_jit = False


def build_all(ctx: Context) -> list[Tile]:
    """Every tile for ``ctx``, in page order (tiles an agency slice hides left out)."""
    tiles = []
    with without_jit():
        for name in TILE_MODULES:
            module = importlib.import_module(f"regency.figures.{name}")
            tile = module.build(ctx)
            if ctx.agency is not None and tile.hidden_for_agency:
                continue
            tiles.append(tile)
    return tiles


def figures_by_key(tiles: list[Tile]) -> dict[str, Figure]:
    """``"tile.figure"`` -> Figure, for the evidence pack's indicator list."""
    return {f"{tile.key}.{figure.key}": figure for tile in tiles for figure in tile.figures}


def csv_rows(ctx: Context, tiles: list[Tile]) -> list[list]:
    """The dashboard as CSV rows: every figure, every table, every definition.

    One layout for the page's download and the evidence pack's figures file.
    """
    period = ctx.period
    rows = [[_("Dasbor kabupaten"), ctx.hall.name, str(period.label)]]
    if ctx.agency is not None:
        rows.append([_("Instansi"), ctx.agency.name])
    rows.append(
        [
            _("Ubin"),
            _("Kode"),
            _("Angka"),
            str(period.label),
            str(period.previous().label),
            _("Satuan"),
            _("Catatan"),
        ]
    )
    for tile in tiles:
        for figure in tile.figures:
            rows.append(
                [
                    tile.title,
                    f"{tile.key}.{figure.key}",
                    figure.label,
                    figure.value,
                    figure.previous,
                    figure.unit,
                    figure.note,
                ]
            )
    for tile in tiles:
        if tile.table is not None:
            rows += [[], [tile.title, tile.table.caption or ""], tile.table.columns]
            rows += tile.table.rows
    rows += [[]] + [[tile.title, str(tile.definition)] for tile in tiles]
    return rows
