"""`kpis-<date>.html`: one self-contained page (inline SVG charts, no scripts, no network)
and the short table the CLI prints."""

from __future__ import annotations

from html import escape

WIDTH, BAR_HEIGHT = 640, 22
STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:720px;color:#222}
h1{font-size:1.5rem} h2{font-size:1.1rem;margin-top:2rem}
.tiles{display:flex;flex-wrap:wrap;gap:.75rem}
.tile{border:1px solid #ddd;border-radius:6px;padding:.6rem .9rem}
.tile b{display:block;font-size:1.3rem} svg text{font-size:11px;fill:#333} .note{color:#a33}
table{border-collapse:collapse} td,th{padding:.2rem .6rem;text-align:right}
td:first-child{text-align:left}
"""


def _number(value: int) -> str:
    return f"{value:,}"


def hourly_chart(by_hour: list[int]) -> str:
    """The 24 event hours as a line with points (SVG)."""
    height, left, bottom = 220, 50, 30
    top = max(by_hour) or 1
    step = (WIDTH - left - 10) / 23
    points = [
        (left + i * step, height - bottom - (v / top) * (height - bottom - 10))
        for i, v in enumerate(by_hour)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    parts = [f'<svg width="{WIDTH}" height="{height}" role="img" aria-label="events per hour">']
    parts.append(
        f'<line x1="{left}" y1="{height - bottom}" x2="{WIDTH - 10}" y2="{height - bottom}" '
        'stroke="#999"/>'
    )
    parts.append(f'<text x="{left - 6}" y="14" text-anchor="end">{_number(top)}</text>')
    parts.append(f'<polyline points="{line}" fill="none" stroke="#2a6fdb" stroke-width="2"/>')
    for i, (x, y) in enumerate(points):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#2a6fdb"><title>{i:02d}h: '
            f"{_number(by_hour[i])}</title></circle>"
        )
        if i % 3 == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle">{i:02d}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(rows: list[tuple[str, int]], colour: str) -> str:
    """Horizontal bars, one per (label, value)."""
    if not rows:
        return "<p>none</p>"
    label_width, top = 220, max(v for _, v in rows) or 1
    height = BAR_HEIGHT * len(rows) + 4
    parts = [f'<svg width="{WIDTH}" height="{height}" role="img">']
    for i, (label, value) in enumerate(rows):
        y = i * BAR_HEIGHT + 2
        width = (value / top) * (WIDTH - label_width - 80)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" '
            f'text-anchor="end">{escape(label[:34])}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT - 6}" '
            f'fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{label_width + width + 4:.1f}" y="{y + 15}">{_number(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def html_report(doc: dict) -> str:
    q = doc["quarantined"]
    tiles = [
        ("valid events", _number(doc["events"])),
        ("active users", _number(doc["active_users"])),
        ("event types", _number(len(doc["by_type"]))),
        ("late events", f"{doc['late_share']:.2%}"),
        ("quarantined", f"{_number(q['total'])} ({q['rate']:.2%})"),
        (
            "read",
            f"{doc['files_read']} files, {doc['bytes_read'] / 2**20:.2f} MB "
            f"({doc['read_share_of_lake_bytes']:.1%} of the date's lake bytes)",
        ),
    ]
    top_rows = "".join(
        f"<tr><td>{escape(t['type'])}</td><td>{_number(t['events'])}</td><td>{_number(t['users'])}</td></tr>"
        for t in doc["top_types"]
    )
    note = f'<p class="note">{escape(doc["note"])}</p>' if doc["note"] else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sluice KPIs {escape(doc["date"])}</title>
<style>{STYLE}</style></head><body>
<h1>Daily KPIs for {escape(doc["date"])} (UTC event date)</h1>{note}
<div class="tiles">{"".join(f'<div class="tile">{k}<b>{v}</b></div>' for k, v in tiles)}</div>
<h2>Events per hour (UTC, event time)</h2>{hourly_chart(doc["by_hour"])}
<h2>Top {len(doc["top_types"])} event types</h2>
{bar_chart([(t["type"], t["events"]) for t in doc["top_types"]], "#3a9d5d")}
<table><tr><th>type</th><th>events</th><th>users</th></tr>{top_rows}</table>
<h2>Quarantined on ingest date {escape(doc["date"])}, by reason</h2>
{bar_chart(sorted(q["by_reason"].items(), key=lambda kv: (-kv[1], kv[0])), "#c0504d")}
<p>Arrival hours from rollups: {len(doc["sources"]["arrival_hours_from_rollups"])}
({len(doc["sources"]["arrival_hours_from_date_rollup"])} of them from the date's compacted
rollup); from lake files: {len(doc["sources"]["arrival_hours_from_lake"])}.</p>
</body></html>
"""


def text_table(doc: dict) -> str:
    q = doc["quarantined"]
    lines = [
        f"KPIs for {doc['date']}" + (f"  ({doc['note']})" if doc["note"] else ""),
        f"  events          {doc['events']:>14,}",
        f"  active users    {doc['active_users']:>14,}",
        f"  event types     {len(doc['by_type']):>14,}",
        f"  late share      {doc['late_share']:>14.2%}",
        f"  quarantined     {q['total']:>14,}  rate {q['rate']:.2%}",
        f"  read            {doc['files_read']:>8,} files {doc['bytes_read']:>14,} bytes "
        f"({doc['read_share_of_lake_bytes']:.1%} of {doc['lake_bytes']:,} lake bytes)",
        "  top types:",
    ]
    lines += [
        f"    {t['type']:<32} {t['events']:>12,} events {t['users']:>10,} users"
        for t in doc["top_types"]
    ]
    return "\n".join(lines)
