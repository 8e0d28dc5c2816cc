"""Demo data of the regency app: the hall's MCP indicator list (seed_demo runs it)."""

from regency.evidence import indicators_seed


def seed(*, hall, users, stdout):
    indicators = indicators_seed(hall)
    stdout.write(f"MCP indicators: {len(indicators)} (paket bukti: /dasbor/paket-bukti/)")
