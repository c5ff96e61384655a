"""`customs status`: what the published warehouse holds against GACC's release calendar.

- `status.data.status_report` lines up every release of the current and the previous year (the
  `release_calendar` package) with the published warehouse's `meta.releases`: in the warehouse or not,
  due date, state, days late.
- `status.render` prints it as a table and a summary; `status.command.status_command` is `customs status`
  (piped, the table comes out at full width; `--json` prints the same rows as one JSON object).
- The `check-release-calendar` flow (flows/overdue.py) emits one `customs.release.overdue` event per
  overdue release and fails, so a scheduled run shows red.

Only the products the warehouse can hold (`meta.releases.product`'s allowed values: the preliminary
release, the Monthly Bulletin and the online query) are checked by default: the yearbook is not ingested,
so it could only ever look overdue. `--product yearbook` shows its calendar all the same.

Nothing here imports Prefect: `customs status` starts in a fraction of a second instead of paying
Prefect's ~2 s import.
"""
