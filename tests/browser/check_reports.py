#!/usr/bin/env python3
"""Opens every report page a person reads in headless Chromium and checks what they would see.

    tests/browser/check_reports.py DEMO_DIR [--vigil BIN] [--screenshots DIR]

DEMO_DIR is a project folder after `vigil demo` (pipelines/demo.toml, out/warehouse,
out/registry). With --vigil, the pages the demo does not write are made first, into the demo's
own outputs: the quarterly report (`vigil report`) and a backtest copy (`vigil backtest`) when
absent, and always the doctor page (`vigil doctor --out <scratch folder>`). With --screenshots,
full-height 1280 px PNGs of the quarterly, model, validation and doctor pages are also written
to DIR as {quarterly,model,validation,doctor}.png.

Pages (the ones a person opens):
  model       <registry>/risk/versions/*/report.html                (at least one required)
  backtest    <warehouse>/backtests/run_date=*/*/report.html
  quarterly   <reports>/quarter=*/report.html                        (required)
  validation  <warehouse>/validation/run_date=*/report.html         (required beside report.json)
  doctor      doctor.html from `vigil doctor`                        (required with --vigil)

What each check guards (one line per failed check, naming the page; exit 1 on any):
  file        the page references nothing outside itself: no <script>, <link>, `src=` or
              `@import`, no href/url() to a web address (reports are opened offline and mailed).
  png / pdf   Chromium renders it: a 1280 px wide PNG screenshot and a PDF print exist and are
              not trivially small (a crash or blank page gives a tiny file).
  overflow    no horizontal scrolling: document scrollWidth <= window width at 1280 px and at a
              narrow, print-like 800 px (wide tables or charts that push the page sideways).
  markdown    no Markdown syntax in the rendered text (`**`, `|---`, `![`, `](`; outside
              <pre>/<code>, where a config snippet may have them, also backticks and lines
              starting with `# ` / `## `): the page is real HTML, not Markdown in a <pre>.
  numbers     amounts are formatted for people: no `$2203787`, no 5-digit number without
              thousands separators in the text (ids, dates and paths excepted).
  charts      the page inlines at least as many <svg> charts as there are .svg files beside it;
              each has role="img", an aria-label, a viewBox, is at most 640 px wide, and has
              tick labels on both axes: >= 2 numeric labels sharing a baseline (x axis) and
              >= 2 sharing an edge (y axis), or numbers on one axis and >= 3 category names on
              the other (a line with no scale cannot be read).
  overlap     no two <text> elements of one chart overlap (compared as the rotated boxes the
              browser draws, so rotated category labels are judged fairly; the boxes are em
              boxes, so they may share a quarter of a line's height, at least 1 px, where the
              blank above capitals and below the baseline meets without glyphs touching).
  resources   the browser fetched nothing while loading (performance resource entries).
  headline    the PDF's text (pdftotext -layout) holds the page's headline figures, read from
              the data beside the page and formatted as the pages format them (ratios with 3
              decimals, counts with thousands separators): the figures must be in the text, not
              only in a chart or a table a printer cuts off.

Every Chromium call has a 60 s timeout, so a hung browser fails the check instead of CI.
"""

from __future__ import annotations

import argparse
import datetime
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_TIMEOUT_S = 60
WIDE, NARROW = 1280, 800
MAX_SHOT_HEIGHT = 16000
MIN_PNG_BYTES, MIN_PDF_BYTES, MIN_PDF_TEXT = 5_000, 3_000, 100
MAX_CHART_WIDTH = 640
MAX_SHOT_BYTES, SHOT_MIN_HEIGHT = 600_000, 900
# (pattern, what it is, also inside <pre>/<code>): code blocks (a TOML snippet) may hold
# backticks and `# ` comment lines, never bold markers, table rules, images or links.
MARKDOWN = [
    (re.compile(r"\*\*"), "`**` (bold markers)", True),
    (re.compile(r"\|\s*:?-{3,}"), "`|---` (a Markdown table rule)", True),
    (re.compile(r"!\["), "`![` (a Markdown image)", True),
    (re.compile(r"\]\("), "`](` (a Markdown link)", True),
    (re.compile(r"`"), "a backtick (Markdown code)", False),
    (re.compile(r"^#{1,2} ", re.M), "a line starting with `# ` or `## ` (a Markdown heading)", False),
]
# Amounts and counts a person has to count digits in (ids, dates and paths are left alone).
UNFORMATTED = [
    (re.compile(r"\$\d{4,}"), "money without thousands separators:"),
    (re.compile(r"(?<![\w\-/.:#=$])\d{5,}(?![\w\-/:])"), "a number without thousands separators:"),
]

# Runs in the page after layout (fonts loaded) and writes its findings, as JSON, into
# <pre id="vigil-check">; --dump-dom prints the DOM with it.
MEASURE_JS = r"""
(function () {
  var NUMERIC = /^[\u2212\-+]?[$\u20ac\u00a3]?\d[\d,.\u2009 :\/\-]*(%|[kKMB]|\s?h|\s?d|\s?days?|\s?hours?|\s?weeks?|\u00d7|x)?$/;
  function corners(el) {
    var b = el.getBBox(), m = el.getScreenCTM();
    return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
      .map(function (p) { var q = new DOMPoint(p[0], p[1]).matrixTransform(m); return [q.x, q.y]; });
  }
  // Separating axes of two convex quads (text boxes as drawn, rotation included): they
  // overlap when they overlap along every axis by more than `tol` px.
  function overlaps(a, b, tol) {
    var polys = [a, b];
    for (var k = 0; k < 2; k++) {
      var poly = polys[k];
      for (var i = 0; i < 4; i++) {
        var p = poly[i], q = poly[(i + 1) % 4], ex = q[0] - p[0], ey = q[1] - p[1], len = Math.hypot(ex, ey);
        if (len < 1e-6) continue;
        var ax = -ey / len, ay = ex / len;
        var pa = a.map(function (c) { return c[0] * ax + c[1] * ay; });
        var pb = b.map(function (c) { return c[0] * ax + c[1] * ay; });
        var o = Math.min(Math.max.apply(null, pa), Math.max.apply(null, pb)) -
                Math.max(Math.min.apply(null, pa), Math.min.apply(null, pb));
        if (o <= tol) return false;
      }
    }
    return true;
  }
  // The largest group of labels sharing one edge or centre (within 2 px) along `keys`,
  // counted by distinct positions along the other axis.
  function group(items, keys, along) {
    var best = 0;
    keys.forEach(function (key) {
      var sorted = items.slice().sort(function (a, b) { return key(a.r) - key(b.r); });
      var start = 0;
      for (var i = 0; i <= sorted.length; i++) {
        if (i === sorted.length || key(sorted[i].r) - key(sorted[start].r) > 2) {
          var seen = [];
          sorted.slice(start, i).forEach(function (t) {
            var c = along(t.r);
            if (seen.every(function (s) { return Math.abs(s - c) > 4; })) seen.push(c);
          });
          best = Math.max(best, seen.length);
          start = i;
        }
      }
    });
    return best;
  }
  var ROW = [function (r) { return r.top; }, function (r) { return r.bottom; }, function (r) { return (r.top + r.bottom) / 2; }];
  var COL = [function (r) { return r.left; }, function (r) { return r.right; }, function (r) { return (r.left + r.right) / 2; }];
  function cx(r) { return (r.left + r.right) / 2; }
  function cy(r) { return (r.top + r.bottom) / 2; }
  function label(el) { // the drawn text, without a <title> child (an abbreviated label's full name)
    return Array.prototype.slice.call(el.childNodes).filter(function (n) { return n.nodeName !== 'title'; })
      .map(function (n) { return n.textContent; }).join('').trim();
  }
  function chart(svg) {
    var texts = Array.prototype.slice.call(svg.querySelectorAll('text')).map(function (el) {
      return { el: el, s: label(el), r: el.getBoundingClientRect() };
    }).filter(function (t) { return t.s && t.r.width > 0 && t.r.height > 0; });
    var numeric = texts.filter(function (t) { return NUMERIC.test(t.s); });
    var bad = [];
    texts.forEach(function (t) { t.c = corners(t.el); t.h = t.el.getBBox().height; });
    for (var i = 0; i < texts.length; i++) {
      for (var j = i + 1; j < texts.length; j++) {
        // A text's box is its em box: the blank above capitals and below the baseline takes
        // about a quarter of it, so two lines may share that much without their glyphs touching.
        var tol = Math.max(1, 0.25 * Math.min(texts[i].h, texts[j].h));
        if (overlaps(texts[i].c, texts[j].c, tol)) bad.push([texts[i].s, texts[j].s]);
      }
    }
    return {
      label: svg.getAttribute('aria-label'), role: svg.getAttribute('role'),
      viewBox: svg.getAttribute('viewBox'), width: svg.getBoundingClientRect().width,
      texts: texts.length, numeric: numeric.length,
      row: group(texts, ROW, cx), column: group(texts, COL, cy),
      numericRow: group(numeric, ROW, cx), numericColumn: group(numeric, COL, cy),
      overlaps: bad.slice(0, 5), overlapCount: bad.length
    };
  }
  function prose() { // the rendered text outside <pre> and <code> (config snippets keep their `# ` comments)
    var code = Array.prototype.slice.call(document.querySelectorAll('pre, code'));
    var shown = code.map(function (el) { var d = el.style.display; el.style.display = 'none'; return d; });
    var text = document.body ? document.body.innerText : '';
    code.forEach(function (el, i) { el.style.display = shown[i]; });
    return text;
  }
  function measure() {
    var out = document.getElementById('vigil-check');
    var result = {
      innerWidth: window.innerWidth,
      scrollWidth: document.documentElement.scrollWidth,
      scrollHeight: document.documentElement.scrollHeight,
      text: document.body ? document.body.innerText : '',
      prose: prose(),
      resources: performance.getEntriesByType('resource').map(function (e) { return e.name; }),
      charts: Array.prototype.slice.call(document.querySelectorAll('svg'))
        .filter(function (s) { return !s.parentElement.closest('svg'); }).map(chart)
    };
    out.textContent = JSON.stringify(result);
  }
  window.addEventListener('load', function () { document.fonts.ready.then(measure); });
})();
"""
CHECK_ELEMENT = '<pre id="vigil-check" style="display:none"></pre><script>' + MEASURE_JS + "</script>"


@dataclass
class Page:
    """One report page and how to find its headline figures."""

    kind: str
    path: Path
    headlines: list[tuple[str, list[str]]] = field(default_factory=list)  # (what, accepted spellings)


class Checker:
    """Runs the checks; collects one line per failed check."""

    def __init__(self, work: Path):
        self.work = work
        self.failures: list[str] = []
        self.runs = 0

    def fail(self, page: Page, check: str, message: str) -> None:
        self.failures.append(f"FAIL {page.path} [{check}]: {message}")
        print(self.failures[-1], flush=True)

    # --- Chromium ---------------------------------------------------------------------------
    def chromium(self, *args: str) -> subprocess.CompletedProcess:
        self.runs += 1
        profile = self.work / f"profile-{self.runs}"
        cmd = [
            chromium_binary(), "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}", *args,
        ]
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT_S)
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    def measure(self, page: Page, width: int) -> dict | None:
        """Loads a copy of the page with the measuring script at `width` px; its findings."""
        source = page.path.read_text(encoding="utf-8")
        at = source.lower().rfind("</body>")
        probe = source[:at] + CHECK_ELEMENT + source[at:] if at >= 0 else source + CHECK_ELEMENT
        copy = self.work / f"probe-{self.runs + 1}.html"
        copy.write_text(probe, encoding="utf-8")
        try:
            done = self.chromium(f"--window-size={width},900", "--virtual-time-budget=5000", "--dump-dom",
                                 copy.as_uri())
        except subprocess.TimeoutExpired:
            self.fail(page, "browser", f"Chromium did not finish loading it in {CHROMIUM_TIMEOUT_S} s")
            return None
        found = re.search(r'<pre id="vigil-check"[^>]*>(.*?)</pre>', done.stdout, re.S)
        if done.returncode != 0 or not found or not found.group(1).strip():
            self.fail(page, "browser", f"no measurement at {width} px (exit {done.returncode}): "
                      f"{done.stderr.strip().splitlines()[-1:] or 'no output'}")
            return None
        return json.loads(html.unescape(found.group(1)))

    def render(self, page: Page, png: Path, pdf: Path, height: int) -> None:
        """Screenshot at 1280 px x `height` and a PDF print; both must be substantial."""
        shot = ["--window-size=%d,%d" % (WIDE, height), f"--screenshot={png}", page.path.as_uri()]
        prints = ["--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.path.as_uri()]
        for what, args, out, minimum in (("png", shot, png, MIN_PNG_BYTES), ("pdf", prints, pdf, MIN_PDF_BYTES)):
            try:
                self.chromium(*args)
            except subprocess.TimeoutExpired:
                self.fail(page, what, f"Chromium did not finish in {CHROMIUM_TIMEOUT_S} s")
                continue
            size = out.stat().st_size if out.exists() else 0
            if size < minimum:
                self.fail(page, what, f"{out.name} is {size} bytes (< {minimum}): nothing rendered")
        if png.exists() and png_width(png) != WIDE:
            self.fail(page, "png", f"screenshot is {png_width(png)} px wide, not {WIDE}")

    # --- checks -----------------------------------------------------------------------------
    def check(self, page: Page, screenshot: Path | None) -> None:
        print(f"page {page.kind}: {page.path}", flush=True)
        self.check_file(page)
        wide = self.measure(page, WIDE)
        narrow = self.measure(page, NARROW)
        for m in (wide, narrow):
            if m and m["scrollWidth"] > m["innerWidth"]:
                self.fail(page, "overflow", f"{m['scrollWidth']} px of content in a {m['innerWidth']} px window: "
                          "the page scrolls sideways")
        if wide is None:
            return
        self.check_markdown(page, wide["text"], wide["prose"])
        self.check_numbers(page, wide["text"])
        self.check_charts(page, wide["charts"])
        if wide["resources"]:
            self.fail(page, "resources", f"the browser fetched {', '.join(wide['resources'][:3])}")
        height = min(max(int(wide["scrollHeight"]), 600), MAX_SHOT_HEIGHT)
        png, pdf = self.work / f"{page.kind}-{self.runs}.png", self.work / f"{page.kind}-{self.runs}.pdf"
        self.render(page, png, pdf, height)
        self.check_pdf_text(page, pdf)
        if screenshot is not None and png.exists():
            self.keep_screenshot(page, png, screenshot, height)

    def keep_screenshot(self, page: Page, png: Path, screenshot: Path, height: int) -> None:
        """Copies the full-page PNG to `screenshot`; over MAX_SHOT_BYTES, shoots the first
        screens only (three quarters of the height at a time)."""
        full = height
        while png.stat().st_size > MAX_SHOT_BYTES and height > SHOT_MIN_HEIGHT:
            height = max(SHOT_MIN_HEIGHT, height * 3 // 4)
            try:
                self.chromium(f"--window-size={WIDE},{height}", f"--screenshot={png}", page.path.as_uri())
            except subprocess.TimeoutExpired:
                self.fail(page, "png", f"Chromium did not finish in {CHROMIUM_TIMEOUT_S} s")
                return
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, screenshot)
        cut = "" if height == full else f", the first {height} of {full} px to stay under {MAX_SHOT_BYTES // 1000} KB"
        print(f"  screenshot {screenshot} ({png.stat().st_size // 1000} KB, {WIDE}x{height}{cut})")

    def check_file(self, page: Page) -> None:
        source = page.path.read_text(encoding="utf-8")
        patterns = [
            (r"<script\b", "a <script>"), (r"<link\b", "a <link>"), (r"@import\b", "a CSS @import"),
            (r"""\ssrc\s*=\s*["']?(?!data:)""", "a src= reference"),
            (r"""\shref\s*=\s*["']?\s*(https?:|//)""", "an href to a web address"),
            (r"""url\(\s*["']?\s*(https?:|//)""", "a CSS url() to a web address"),
        ]
        for pattern, what in patterns:
            hit = re.search(pattern, source, re.I)
            if hit:
                self.fail(page, "file", f"{what} at character {hit.start()}: reports reference nothing outside themselves")

    def check_markdown(self, page: Page, text: str, prose: str) -> None:
        for pattern, what, in_code in MARKDOWN:
            where = text if in_code else prose
            hit = pattern.search(where)
            if hit:
                line = where[where.rfind("\n", 0, hit.start()) + 1:].split("\n", 1)[0].strip()
                self.fail(page, "markdown", f"{what} in the rendered text: {line[:90]!r}")

    def check_numbers(self, page: Page, text: str) -> None:
        for pattern, what in UNFORMATTED:
            hit = pattern.search(text)
            if hit:
                self.fail(page, "numbers", f"{what} {hit.group(0)!r} in the rendered text")

    def check_charts(self, page: Page, charts: list[dict]) -> None:
        files = sorted(p.name for p in page.path.parent.glob("*.svg"))
        if len(charts) < len(files):
            self.fail(page, "charts", f"{len(charts)} inline <svg> chart(s) but {len(files)} chart file(s) beside "
                      f"the page ({', '.join(files)}): the charts are not in the page")
        for i, c in enumerate(charts, 1):
            name = f"chart {i} ({c['label'] or 'no aria-label'})"
            problems = []
            if c["role"] != "img" or not c["label"]:
                problems.append('role="img" and an aria-label are missing')
            if not c["viewBox"]:
                problems.append("no viewBox")
            if c["width"] > MAX_CHART_WIDTH + 0.5:
                problems.append(f"{c['width']:.0f} px wide (> {MAX_CHART_WIDTH})")
            if not has_scale(c):
                problems.append(f"no scale: {c['numericColumn']} numeric label(s) in a column, {c['numericRow']} "
                                f"along a baseline ({c['numeric']} numeric in all)")
            for p in problems:
                self.fail(page, "charts", f"{name}: {p}")
            if c["overlapCount"]:
                pairs = "; ".join(f"{a!r} / {b!r}" for a, b in c["overlaps"])
                self.fail(page, "overlap", f"{name}: {c['overlapCount']} overlapping label pair(s): {pairs}")

    def check_pdf_text(self, page: Page, pdf: Path) -> None:
        if not pdf.exists():
            return
        try:
            done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                  timeout=CHROMIUM_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.fail(page, "pdf", "pdftotext did not finish")
            return
        text = normalise(done.stdout)
        if len(text) < MIN_PDF_TEXT:
            self.fail(page, "pdf", f"the PDF holds {len(text)} characters of text (< {MIN_PDF_TEXT})")
        for what, spellings in page.headlines:
            if not any(normalise(s) in text for s in spellings):
                self.fail(page, "headline", f"{what} ({' or '.join(repr(s) for s in spellings)}) is not in the PDF text")


def has_scale(c: dict) -> bool:
    """Tick labels on both axes: numbers on both, or numbers on one and >= 3 category names
    on the other (a two-entry legend beside a line is not an axis)."""
    return ((c["numericRow"] >= 2 and c["numericColumn"] >= 2)
            or (c["numericColumn"] >= 2 and c["row"] >= 3)
            or (c["numericRow"] >= 2 and c["column"] >= 3))


# --- finding the pages and their headline figures -------------------------------------------
def ratio(value: float) -> str:
    return f"{value:.3f}"


def count(value: int) -> str:
    return f"{value:,}"


def model_page(kind: str, path: Path) -> Page:
    page = Page(kind, path)
    backtest = path.parent / "backtest.json"
    page.headlines.append(("the model version", [path.parent.name]))
    if not backtest.exists():
        return page
    b = json.loads(backtest.read_text())
    a = b["at_alert_threshold"]
    page.headlines += [
        ("recall at the alert threshold", [ratio(a["recall"])]),
        ("precision at the alert threshold", [ratio(a["precision"])]),
        ("PR-AUC", [ratio(b["pr_auc"])]),
        ("validation snapshots", [count(b["snapshots"])]),
        ("eligible escalations", [count(b["eligible"])]),
    ]
    return page


def quarterly_page(path: Path) -> Page:
    quarter = path.parent.name.removeprefix("quarter=")
    page = Page("quarterly", path, [("the quarter", [quarter, f"{quarter[4:]} {quarter[:4]}"])])
    twin = path.parent / "report.md"
    md = twin.read_text(encoding="utf-8") if twin.exists() else ""
    for what, label in (("alerts raised", r"alerts raised"), ("eligible escalations", r"eligible")):
        value = table_value(md, label)
        if value is None:
            page.headlines.append((f"{what} (a row of report.md's tables)", [f"<{what} not found in report.md>"]))
        else:
            page.headlines.append((what, [count(value)]))
    return page


def table_value(markdown: str, label: str) -> int | None:
    """The first whole number after `label` (case-insensitive) in the Markdown: in the value
    cell of a table row whose first cell matches, or after a colon on a `label: value` line."""
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and re.search(label, cells[0], re.I):
            value = cells[1]
        else:
            found = re.search(label + r"[^:\n]*:(.*)", line, re.I)
            if not found:
                continue
            value = found.group(1)
        number = re.search(r"\d[\d,]*", value)
        if number:
            return int(number.group(0).replace(",", ""))
    return None


def validation_page(path: Path) -> Page:
    run_date = path.parent.name.removeprefix("run_date=")
    # The page writes dates as people read them ("30 June 2026"); ISO is accepted too.
    readable = datetime.date.fromisoformat(run_date).strftime("%-d %B %Y")
    page = Page("validation", path, [("the run date", [run_date, readable])])
    report = json.loads((path.parent / "report.json").read_text())
    for t in report["tables"]:
        page.headlines.append((f"{t['table']}: rows read", [count(t["rows_read"])]))
    return page


def doctor_page(path: Path) -> Page:
    d = json.loads((path.parent / "doctor.json").read_text())
    page = Page("doctor", path, [("escalations in the window", [count(d["escalations"]["total"])])])
    page.headlines += [(f"table {t['table']}", [t["table"]]) for t in d["tables"] if t["status"] == "present"]
    result = (d.get("gate") or {}).get("result")
    if result:
        a = result["at_alert_threshold"]
        page.headlines += [("the gate's recall", [ratio(a["recall"])]),
                           ("the gate's precision", [ratio(a["precision"])])]
    return page


@dataclass
class Demo:
    """A demo project folder and where its config puts the outputs."""

    root: Path
    config: Path
    run_date: str
    warehouse: Path
    registry: Path
    reports: Path

    @staticmethod
    def open(root: Path) -> "Demo":
        config = root / "pipelines" / "demo.toml"
        c = tomllib.loads(config.read_text())
        warehouse = root / c["warehouse"]["url"]
        reports = c.get("report", {}).get("reports")
        return Demo(root, config, c["demo"]["end"], warehouse, root / c["risk"]["registry"],
                    root / reports if reports else warehouse / "reports")

    def vigil(self, binary: str, *args: str) -> None:
        cmd = [binary, "--config", str(self.config), *args, "--run-date", self.run_date]
        done = subprocess.run(cmd, cwd=self.root, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")

    def prepare(self, binary: str, scratch: Path) -> Path:
        """Writes the pages the demo leaves out; the doctor page's path."""
        if not list(self.reports.glob("quarter=*/report.html")):
            self.vigil(binary, "report")
        if not list(self.warehouse.glob("backtests/run_date=*/*/report.html")):
            self.vigil(binary, "backtest")
        self.vigil(binary, "doctor", "--out", str(scratch / "doctor"))
        return scratch / "doctor" / "doctor.html"

    def pages(self) -> tuple[list[Page], list[str]]:
        """Every page found, and what is missing."""
        missing = []
        models = sorted(self.registry.glob("risk/versions/*/report.html"))
        if not models:
            missing.append(f"no model report under {self.registry}/risk/versions/*/")
        quarterly = sorted(self.reports.glob("quarter=*/report.html"))
        if not quarterly:
            missing.append(f"no quarterly report under {self.reports}/quarter=*/")
        pages = [model_page("model", p) for p in models]
        pages += [model_page("backtest", p) for p in sorted(self.warehouse.glob("backtests/run_date=*/*/report.html"))]
        pages += [quarterly_page(p) for p in quarterly]
        for json_path in sorted(self.warehouse.glob("validation/run_date=*/report.json")):
            page = json_path.parent / "report.html"
            if page.exists():
                pages.append(validation_page(page))
            else:
                missing.append(f"{page} is missing (its report.json is there)")
        return pages, missing


# --- helpers --------------------------------------------------------------------------------
def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("Chromium is not installed (apt-get install chromium)")


def png_width(path: Path) -> int:
    head = path.read_bytes()[:24]
    return int.from_bytes(head[16:20], "big") if head[:8] == b"\x89PNG\r\n\x1a\n" else 0


def normalise(text: str) -> str:
    """Spaces of every kind as one space, so a figure split by layout still matches."""
    return re.sub(r"[\s\u00a0\u2009\u202f]+", " ", text)


SCREENSHOT_NAMES = {"quarterly": "quarterly.png", "model": "model.png", "validation": "validation.png",
                    "doctor": "doctor.png"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("demo", type=Path, help="project folder after `vigil demo`")
    parser.add_argument("--vigil", type=lambda p: str(Path(p).resolve()), help="vigil binary: writes the quarterly, backtest and doctor pages first")
    parser.add_argument("--screenshots", type=Path, help="also write {quarterly,model,validation,doctor}.png here")
    args = parser.parse_args()
    if not shutil.which("pdftotext"):
        sys.exit("pdftotext is not installed (apt-get install poppler-utils)")
    demo = Demo.open(args.demo.resolve())
    with tempfile.TemporaryDirectory(prefix="vigil-browser-") as tmp:
        work = Path(tmp)
        doctor = demo.prepare(args.vigil, work) if args.vigil else None
        pages, missing = demo.pages()
        if doctor is not None:
            pages.append(doctor_page(doctor))
        checker = Checker(work)
        for m in missing:
            checker.failures.append(f"FAIL {m}")
            print(checker.failures[-1], flush=True)
        shot_taken: set[str] = set()
        for page in pages:
            shot = None
            if args.screenshots and page.kind in SCREENSHOT_NAMES and page.kind not in shot_taken:
                shot = args.screenshots / SCREENSHOT_NAMES[page.kind]
                shot_taken.add(page.kind)
            checker.check(page, shot)
    print(f"{len(pages)} page(s), {checker.runs} Chromium run(s), {len(checker.failures)} failed check(s)")
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main())
