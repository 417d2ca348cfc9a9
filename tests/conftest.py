"""Suite-wide hooks.

Summary tables: a test adds a row with

    record_property("summary_table", {"title": "...", "columns": [...], "row": [...], "sum": True})

and the rows of every table are printed at the end of the run, in the terminal summary (also
under pytest-xdist: user properties travel with the reports to the controller). With
``"sum": True`` the numeric columns are summed per value of the first column, plus a total row.
"""

from __future__ import annotations


def _summary_tables(stats) -> dict[str, dict]:
    tables: dict[str, dict] = {}
    for reports in stats.values():
        for rep in reports:
            if getattr(rep, "when", None) != "call":
                continue
            for name, value in getattr(rep, "user_properties", None) or ():
                if name == "summary_table" and isinstance(value, dict):
                    t = tables.setdefault(value["title"], {"columns": list(value["columns"]), "rows": [],
                                                           "sum": bool(value.get("sum"))})
                    t["rows"].append(list(value["row"]))
    return tables


def _summed(rows: list[list]) -> list[list]:
    groups: dict[str, list] = {}
    for row in rows:
        acc = groups.setdefault(str(row[0]), [str(row[0])] + [0] * (len(row) - 1))
        for i, v in enumerate(row[1:], 1):
            acc[i] += int(v)
    out = [groups[k] for k in sorted(groups)]
    return out + [["total"] + [sum(r[i] for r in out) for i in range(1, len(rows[0]))]]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    for title, t in _summary_tables(terminalreporter.stats).items():
        rows = _summed(t["rows"]) if t["sum"] else t["rows"]
        cells = [t["columns"]] + [[str(c) for c in r] for r in rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(t["columns"]))]
        terminalreporter.write_sep("=", title)
        for j, r in enumerate(cells):
            terminalreporter.write_line("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
            if j == 0:
                terminalreporter.write_line("|" + "|".join("-" * (w + 2) for w in widths) + "|")
