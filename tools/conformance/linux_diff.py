"""The "Differences from Linux" section of docs/conformance.md.

Joins the results of `ustack script --diff --json=FILE` (each corpus script run against ustack and
against the Linux kernel in a private namespace) with docs/linux-differences.csv, where a person
writes, for each script that behaves differently on Linux, what each side does, the RFC clause that
decides it and the verdict. The CSV is the only hand-written part; which scripts differ comes from
the run, so the section cannot claim a difference that the last run did not show, and a difference
nobody has explained yet is listed as such.

CSV columns: scripts (script names without .pkt, space-separated), linux, ustack, clause, verdict
(ustack / Linux / both / n/a, with a short reason).
"""

import csv
import json
import os


def _name(path):
    base = os.path.basename(str(path))
    return base[:-4] if base.endswith(".pkt") else base


def read_linux_results(path):
    """Returns {script name: result dict} or None when the file is missing (no Linux run)."""
    if not path or not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if isinstance(data, dict):
        data = data.get("scripts", [])
    return {_name(r["name"]): r for r in data if "linux_passed" in r}


def read_differences(path):
    if not path or not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["scripts"] = r.get("scripts", "").split()
    return rows


def differs(result):
    return not (result.get("passed") and result.get("linux_passed"))


def render_section(results, diffs, md, source):
    """Returns (markdown lines, warnings). `results` None: the section says Linux was not run."""
    out = ["## Differences from Linux", ""]
    warnings = []
    if results is None:
        out.append("Not run for this report (the Linux run needs root: `ustack script --diff`). "
                   "The explanations kept for it are in `docs/linux-differences.csv`.")
        out.append("")
        return out, warnings
    n = len(results)
    u_pass = sum(1 for r in results.values() if r.get("passed"))
    l_pass = sum(1 for r in results.values() if r.get("linux_passed"))
    different = sorted(name for name, r in results.items() if differs(r))
    out.append(f"From `{source}` (`ustack script --diff`, each script against ustack and against the Linux "
               f"kernel in a private network namespace with the RFC sysctls listed in "
               f"`tools/script/README.md`): **{n} scripts; ustack {u_pass} passed; Linux {l_pass} passed; "
               f"{len(different)} differ.** Each difference is explained in `docs/linux-differences.csv`, "
               "with the RFC clause that decides it. Verdict: **ustack** = ustack follows the clause and Linux "
               "does not; **Linux** = the reverse; **both** = the clause allows both (the script pins one); "
               "**n/a** = no RFC clause decides (API, configuration).")
    out.append("")
    explained = set()
    shown = []
    for d in diffs:
        now = [s for s in d["scripts"] if s in results and differs(results[s])]
        explained.update(d["scripts"])
        if now:
            shown.append((now, d))
    if shown:
        out.append("| script(s) | Linux does | ustack does | deciding clause | verdict |")
        out.append("|---|---|---|---|---|")
        for now, d in shown:
            out.append(f"| {md(', '.join(now))} | {md(d.get('linux', ''))} | {md(d.get('ustack', ''))} | "
                       f"{md(d.get('clause', ''))} | {md(d.get('verdict', ''))} |")
        out.append("")
    unexplained = [s for s in different if s not in explained]
    if unexplained:
        out.append("### Not yet explained")
        out.append("")
        out.append("These scripts differ in this run and have no row in `docs/linux-differences.csv` yet:")
        out.append("")
        out.append("| script | ustack | Linux |")
        out.append("|---|---|---|")
        for s in unexplained:
            r = results[s]
            u = "passed" if r.get("passed") else "FAILED: " + r.get("message", "")
            lx = "passed" if r.get("linux_passed") else "FAILED: " + r.get("linux_message", "")
            out.append(f"| {md(s)} | {md(u)} | {md(lx)} |")
            warnings.append(f"Linux difference without an explanation: {s}")
        out.append("")
    stale = sorted({s for d in diffs for s in d["scripts"] if s in results and not differs(results[s])})
    missing = sorted({s for d in diffs for s in d["scripts"] if s not in results})
    if stale:
        out.append("Explained in the CSV but the same on both in this run: " + ", ".join(stale) + ".")
        out.append("")
    if missing:
        out.append("Named in the CSV but not in this run: " + ", ".join(missing) + ".")
        out.append("")
        warnings += [f"docs/linux-differences.csv names a script that was not run: {s}" for s in missing]
    return out, warnings
