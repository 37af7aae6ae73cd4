#!/usr/bin/env python3
"""Proves check_reports.py can pass and can fail: a hand-written demo folder whose model and
quarterly pages follow the page conventions must pass; each variant that breaks one convention
must fail, naming that check.

    tests/browser/selftest.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHECKER = Path(__file__).with_name("check_reports.py")

CHART = """<figure><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Precision and recall"
 viewBox="0 0 420 240" width="420" height="240" font-family="sans-serif" font-size="11">
<line x1="50" y1="200" x2="400" y2="200" stroke="#333"/><line x1="50" y1="20" x2="50" y2="200" stroke="#333"/>
<text x="44" y="204" text-anchor="end">0.0</text><text x="44" y="114" text-anchor="end">0.5</text>
<text x="44" y="24" text-anchor="end">1.0</text>
<text x="50" y="216" text-anchor="middle">0</text><text x="225" y="216" text-anchor="middle">50</text>
<text x="400" y="216" text-anchor="middle">100</text>
<text x="225" y="234" text-anchor="middle">recall (%)</text>
<text transform="rotate(-90 14 110)" x="14" y="110" text-anchor="middle">precision</text>
<polyline points="50,40 150,60 250,110 400,190" fill="none" stroke="#1f77b4"/>
</svg><figcaption>Precision against recall.</figcaption></figure>"""

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 8px}}.num{{text-align:right}}</style>
</head><body><h1>{title}</h1><p>{lead}</p>
<table><tr><th>metric</th><th>value</th></tr>{rows}</table>
{chart}</body></html>"""

BACKTEST = {"snapshots": 103931, "eligible": 160, "pr_auc": 0.45792,
            "at_alert_threshold": {"recall": 0.83125, "precision": 0.3}}


def model_page(**change: str) -> str:
    parts = dict(
        title="Model risk-20260630-demo",
        lead="The gate passed: recall 0.831 and precision 0.300 at the alert threshold.",
        rows='<tr><td>validation snapshots</td><td class="num">103,931</td></tr>'
             '<tr><td>eligible escalations</td><td class="num">160</td></tr>'
             '<tr><td>PR-AUC</td><td class="num">0.458</td></tr>',
        chart=CHART)
    parts.update(change)
    return PAGE.format(**parts)


def quarterly_page(**change: str) -> str:
    parts = dict(
        title="Escalation patterns, 2026Q2",
        lead="Prevented escalations represent $2.2M ARR.<pre># a config snippet keeps its comments\n"
             "[sources.tickets]\nurl = \"data/tickets/\"</pre>",
        rows='<tr><td>alerts raised</td><td class="num">1,778</td></tr>'
             '<tr><td>escalations eligible</td><td class="num">294</td></tr>',
        chart=CHART + BARS)
    parts.update(change)
    return PAGE.format(**parts)


QUARTERLY_MD = "# Escalation patterns, 2026Q2\n\n| metric | value |\n|---|---|\n| alerts raised | 1,778 |\n" \
               "| escalations eligible (24–72 h window covered) | 294 |\n"

OVERLAPPING = CHART.replace('<text x="225" y="216" text-anchor="middle">50</text>',
                            '<text x="60" y="216" text-anchor="middle">implementation delay</text>')
BARS = """<figure><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Escalations per category"
 viewBox="0 0 420 260" width="420" height="260" font-family="sans-serif" font-size="11">
<text x="44" y="204" text-anchor="end">0</text><text x="44" y="124" text-anchor="end">50</text>
<text x="44" y="44" text-anchor="end">100</text>
<rect x="60" y="120" width="40" height="80" fill="#1f77b4"/><rect x="160" y="60" width="40" height="140" fill="#1f77b4"/>
<rect x="260" y="90" width="40" height="110" fill="#1f77b4"/>
<text transform="rotate(-35 80 214)" x="80" y="214" text-anchor="end">Implementation…<title>Implementation delay</title></text>
<text transform="rotate(-35 180 214)" x="180" y="214" text-anchor="end">Product defect</text>
<text transform="rotate(-35 280 214)" x="280" y="214" text-anchor="end">Pricing dispute</text>
<text transform="rotate(-90 14 120)" x="14" y="120" text-anchor="middle">escalations</text>
</svg><figcaption>Escalations per category.</figcaption></figure>"""
NO_TICKS = "\n".join(line for line in CHART.splitlines() if "text-anchor=\"end\"" not in line)
WIDE_TABLE = '<tr><td>path</td><td style="white-space:nowrap">' + "x" * 400 + "</td></tr>"

# (name, page to break, its HTML, the check that must report it)
BROKEN = [
    ("markdown in the text", "model", model_page(lead="Gate: **passed**"), "[markdown]"),
    ("a chart without a y scale", "model", model_page(chart=NO_TICKS), "[charts]"),
    ("overlapping labels", "quarterly", quarterly_page(chart=OVERLAPPING), "[overlap]"),
    ("a page wider than the window", "quarterly", quarterly_page(rows=WIDE_TABLE), "[overflow]"),
    ("an external stylesheet", "model", model_page(chart=CHART + '<link rel="stylesheet" href="https://x.test/a.css">'),
     "[file]"),
    ("a headline figure missing", "model", model_page(lead="The gate passed."), "[headline]"),
    ("unformatted money", "quarterly", quarterly_page(lead="They represent $2173623 ARR."), "[numbers]"),
    ("no chart for a chart file", "model", model_page(chart=""), "[charts]"),
]


def demo(root: Path) -> dict[Path, tuple[str, str]]:
    """A demo folder with the good pages and every broken one (each model page a registry
    version, each quarterly page a quarter); what each page must give: (case, tag or "")."""
    (root / "pipelines").mkdir(parents=True)
    (root / "pipelines" / "demo.toml").write_text(
        '[warehouse]\nurl = "out/warehouse"\n[risk]\nregistry = "out/registry"\n[demo]\nend = "2026-06-30"\n')
    expect = {}
    cases = [("a model page that follows the conventions", "model", model_page(), ""),
             ("a quarterly page that follows the conventions", "quarterly", quarterly_page(), ""), *BROKEN]
    for i, (name, which, page, tag) in enumerate(cases):
        if which == "model":
            folder = root / f"out/registry/risk/versions/risk-20260630-demo{i}"
            folder.mkdir(parents=True)
            (folder / "backtest.json").write_text(json.dumps(BACKTEST))
            (folder / "pr_curve.svg").write_text("<svg/>")
            page = page.replace("risk-20260630-demo", folder.name)
        else:
            folder = root / f"out/warehouse/reports/quarter={2000 + i}Q2"
            folder.mkdir(parents=True)
            (folder / "report.md").write_text(QUARTERLY_MD)
            page = page.replace("2026Q2", folder.name.removeprefix("quarter="))
        (folder / "report.html").write_text(page)
        expect[folder / "report.html"] = (name, tag)
    return expect


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="vigil-browser-selftest-") as tmp:
        expect = demo(Path(tmp))
        done = subprocess.run([sys.executable, str(CHECKER), tmp], capture_output=True, text=True, timeout=900)
    failures = []
    lines = done.stdout.splitlines()
    for page, (name, tag) in expect.items():
        reported = [line for line in lines if line.startswith(f"FAIL {page} ")]
        if tag and not any(tag in line for line in reported):
            failures.append(f"{name}: expected a {tag} failure, got {reported or 'none'}")
        elif not tag and reported:
            failures.append(f"{name}: expected no failure, got {reported}")
        else:
            print(f"ok: {name}{' -> ' + tag if tag else ' passes'}")
    if done.returncode != 1:
        failures.append(f"the checker exited {done.returncode}, not 1:\n{done.stderr[-2000:]}")
    for f in failures:
        print(f"SELFTEST FAIL {f}")
    print(f"selftest: {len(expect) - len(failures)} of {len(expect)} pages as expected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
