"""Registrations for the dashboard and staff-list tests, written as rows.

The dashboard only reads; these rows stand for registrations in every state
as the SIPABES services would have left them (inserted with their state,
the way services/sipabes/demo.py writes history), so a test can place them
in any month of any year.
"""

import datetime
import itertools

from mpp_portal.workdays import JAKARTA
from services.sipabes.models import Kbli, Market, Registration, Visit

_serial = itertools.count(1)

KBLI = {
    "47811": ("Perdagangan eceran kaki lima dan los pasar komoditi makanan", "G"),
    "47812": ("Perdagangan eceran kaki lima dan los pasar minuman", "G"),
    "56101": ("Restoran", "I"),
    "14111": ("Industri pakaian jadi (konveksi) dari tekstil", "C"),
}
ISSUED = {Registration.Status.NIB_ISSUED, Registration.Status.HANDED_OVER}


def kbli(code):
    title, section = KBLI[code]
    return Kbli.objects.get_or_create(
        code=code, defaults={"title": title, "section": section, "is_verified": True}
    )[0]


def market(hall, name, district_code="17.07.01"):
    return Market.objects.get_or_create(
        hall=hall,
        name=name,
        defaults={"village": "Kelurahan Uji", "district_code": district_code},
    )[0]


def visit(market, date, status=Visit.Status.OPEN):
    return Visit.objects.create(hall=market.hall, market=market, date=date, status=status)


def registration(
    *,
    market,
    officer,
    when=datetime.datetime(2024, 6, 20, 10, 0),
    status=Registration.Status.CAPTURED,
    capital=10_000_000,
    workers=1,
    codes=("47811",),
    name=None,
    visit=None,
):
    """Insert one registration made at ``when`` (naive = WIB) in ``status``."""
    n = next(_serial)
    scale = Registration.scale_for(capital)
    issued = status in ISSUED
    reg = Registration.objects.create(
        hall=market.hall,
        market=market,
        visit=visit,
        officer=officer,
        nik=f"170701{(n % 28) + 1:02d}0190{n:04d}",
        name=name or f"Pedagang Uji {n}",
        phone=f"+62812{n:08d}",
        home_address="Jl. Uji No. 1",
        business_name=f"Warung Uji {n}",
        capital=capital,
        workers=workers,
        scale=scale,
        consent_at=datetime.datetime(2024, 1, 1, tzinfo=JAKARTA),
        status=status,
        nib=f"91{n:011d}" if issued else None,
        nib_issued_on=(when.date() if issued else None),
        block="A",
        stall_number=str(n),
    )
    reg.kbli.set([kbli(code) for code in codes])
    moment = when if when.tzinfo else when.replace(tzinfo=JAKARTA)
    Registration.objects.filter(pk=reg.pk).update(created_at=moment)
    reg.created_at = moment
    return reg
