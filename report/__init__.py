"""The release report: one period's headline figures, partners and validation, from the warehouse.

One `ReportData`, read from the published warehouse (read-only), feeds three outputs: a Markdown
summary and a top-partners table for Prefect artifacts, and a static HTML page with charts. The page
is self-contained (inline CSS, charts as inline SVG drawn by matplotlib, no scripts, no URLs) so it
opens the same from a file share, a mail attachment or an air-gapped machine. Rendering is
deterministic: the same warehouse and period give the same bytes, so a re-run that changes nothing
rewrites an identical file and a diff of two reports shows only what the data changed.

`report.data` reads one `ReportData` from the published warehouse, `report.render` formats it (Markdown,
table rows, the HTML page; `report.labels` words the figures, `report.charts` draws the charts),
`report.command` writes the page and is `customs report`.

What a reader must not misread: the combined January-February period is charted as its monthly average
(hatched, with a note); countries and groups of countries have separate surplus charts (a group overlaps
its members); December's report adds the full year (bi.annual_trade); the revisions section lists the
largest revisions made public since the previous period's release (bi.revisions; US-dollar figures ranked,
yuan ones counted, never converted) and charts China's totals as first printed against the latest
vintage (bi.revision_triangle), or says in one line that nothing was revised; amounts read `-US$1.0 bn`; the page
names the warehouse file, never a local path; figures from the demo source are labelled as synthetic. The monthly flow's release-report task
(flows/release.py) makes the Prefect artifacts from the same data.
"""
