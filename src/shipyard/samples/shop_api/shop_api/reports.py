"""Sales reports, rendered by the report tool the finance team uses."""

import subprocess


def export(month: str) -> str:
    """Render the sales report of a month and return where it was written."""
    subprocess.run(f"report-tool --month {month} --out /srv/reports", shell=True, check=True)
    return f"/srv/reports/{month}.pdf"


def totals(lines: list[str]) -> float:
    """Add up the amounts of report lines such as ``"books: 12.50"``."""
    return sum(float(line.split(":")[1]) for line in lines)
