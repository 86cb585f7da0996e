#!/usr/bin/env python3
"""RFC 9293 conformance report: joins the requirement list, test results and N/A reasons.

Inputs
  --csv      the requirement list (req_id,section,level,group,feature); 126 rows, some IDs repeat
             (e.g. MUST-15 for IPv4 and for IPv6).
  --xml      gtest XML files (`test_binary --gtest_output=xml:FILE`), any number. A test proves the
             requirements named in its "rfc9293" property, set by USTACK_REQ (tests/harness/req.h):
             a comma-separated list of IDs. "MUST-15" marks every row with that ID; "MUST-15/IPv4"
             marks only rows with that ID whose feature text contains "IPv4" (case-insensitive).
             gtest keeps one value per property, so call USTACK_REQ once per test.
  --scripts  packet-script results, JSON, optional (a missing file is ignored). Either a list or
             {"scripts": [...]} of {"name": str, "passed": bool, "rfc9293": "ID,ID" or [IDs]}.
  --na       req_id,reason rows for requirements that do not apply. A reason starting with
             "deferred:" is reported as deferred and does not satisfy --check.
  --linux    results of `ustack script --diff --json=FILE`, optional; with --linux-differences
             (docs/linux-differences.csv) they make the "Differences from Linux" section
             (tools/conformance/linux_diff.py). An unexplained difference is a warning, not a
             --check failure: Linux timing in a loaded CI namespace is not a conformance fact.
Output
  --out      docs/conformance.md: summary by level and status, then one line per CSV row.
  --check    exit 1 when a MUST / MUST NOT row has neither a passing test nor an N/A reason,
             when a tag or an N/A row names an ID that is not in the CSV, or when a tagged test fails.
Python 3 standard library only.
"""

import argparse
import csv
import json
import os
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import linux_diff  # noqa: E402

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# The requirements table sits beside the checkout (../shared); a checkout elsewhere (a git worktree)
# names it with USTACK_REQUIREMENTS_CSV, which tests/run-all.sh's conformance step passes on too.
DEFAULT_CSV = os.environ.get("USTACK_REQUIREMENTS_CSV") or os.path.join(
    REPO, "..", "shared", "conformance", "rfc9293-requirements.csv")
DEFAULT_NA = os.path.join(REPO, "docs", "conformance-na.csv")
DEFAULT_OUT = os.path.join(REPO, "docs", "conformance.md")
DEFAULT_LINUX_DIFFS = os.path.join(REPO, "docs", "linux-differences.csv")

LEVELS = ["MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "RECOMMENDED", "MAY"]
STATUSES = ["passing", "failing", "not applicable", "deferred", "not yet tested"]
CHECKED_LEVELS = {"MUST", "MUST NOT"}


@dataclass
class Row:
    req_id: str
    section: str
    level: str
    group: str
    feature: str
    passing: list = field(default_factory=list)
    failing: list = field(default_factory=list)
    na_reason: str = ""

    @property
    def status(self):
        if self.failing:
            return "failing"
        if self.passing:
            return "passing"
        if self.na_reason:
            return "deferred" if self.na_reason.lower().startswith("deferred") else "not applicable"
        return "not yet tested"

    @property
    def satisfied(self):
        return self.status in ("passing", "not applicable")


@dataclass
class TestResult:
    name: str
    outcome: str  # "passed", "failed" or "skipped"
    tags: list


def read_requirements(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = {"req_id", "section", "level", "group", "feature"} - set(reader.fieldnames or [])
        if missing:
            raise SystemExit(f"{path}: missing columns {sorted(missing)}")
        return [Row(r["req_id"].strip(), r["section"].strip(), r["level"].strip(), r["group"].strip(),
                    r["feature"].strip()) for r in reader if r["req_id"].strip()]


def split_tags(value):
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [t.strip() for t in str(value).split(",") if t.strip()]


def read_gtest_xml(path):
    """Yields TestResult for every test case in one gtest XML file."""
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        name = f'{case.get("classname", "")}.{case.get("name", "")}'
        tags = []
        # gtest >= 1.10 writes <properties><property name= value=/>; older ones an attribute.
        for prop in case.iter("property"):
            if prop.get("name") == "rfc9293":
                tags += split_tags(prop.get("value", ""))
        if case.get("rfc9293"):
            tags += split_tags(case.get("rfc9293"))
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
        elif (case.get("status") == "notrun" or case.get("result") in ("skipped", "suppressed")
              or case.find("skipped") is not None):
            outcome = "skipped"
        else:
            outcome = "passed"
        yield TestResult(name, outcome, tags)


def read_scripts(path):
    if not path or not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if isinstance(data, dict):
        data = data.get("scripts", [])
    results = []
    for item in data:
        outcome = "passed" if item.get("passed") else "failed"
        results.append(TestResult('script:' + (rel(item['name']) if os.path.isabs(item.get('name', '')) else item.get('name', '?')), outcome, split_tags(item.get("rfc9293", ""))))
    return results


def read_na(path):
    if not path or not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return [(r["req_id"].strip(), r["reason"].strip()) for r in csv.DictReader(f)
                if r.get("req_id", "").strip() and not r["req_id"].strip().startswith("#")]


def rows_for(tag, rows):
    """Rows a tag names: "ID" -> every row with ID; "ID/text" -> those whose feature contains text."""
    req_id, _, qualifier = tag.partition("/")
    return [r for r in rows if r.req_id == req_id and qualifier.lower() in r.feature.lower()]


def build(rows, results, na_rows):
    """Attaches results and N/A reasons to rows; returns a list of problems (unknown IDs)."""
    problems = []
    merged = {}
    for res in results:  # the same test in several files: a failure anywhere wins
        old = merged.get(res.name)
        if old is None:
            merged[res.name] = res
        else:
            rank = {"failed": 2, "passed": 1, "skipped": 0}
            if rank[res.outcome] > rank[old.outcome]:
                old.outcome = res.outcome
            old.tags = sorted(set(old.tags) | set(res.tags))
    # Rows set apart by a qualified N/A entry ("MUST-15/IPv6") are proven only by a tag that
    # names them the same way: a plain "MUST-15" from an IPv4 test must not mark the IPv6 row.
    set_apart = {id(r) for req_id, _ in na_rows if "/" in req_id for r in rows_for(req_id, rows)}
    for res in merged.values():
        for tag in res.tags:
            matched = rows_for(tag, rows)
            if not matched:
                problems.append(f"test {res.name} is tagged {tag!r}, which names no row of the CSV")
            for row in matched:
                if "/" not in tag and id(row) in set_apart:
                    continue
                if res.outcome == "passed" and res.name not in row.passing:
                    row.passing.append(res.name)
                elif res.outcome == "failed" and res.name not in row.failing:
                    row.failing.append(res.name)
    for req_id, reason in na_rows:
        matched = rows_for(req_id, rows)
        if not matched:
            problems.append(f"N/A entry {req_id!r} names no row of the CSV")
        if not reason:
            problems.append(f"N/A entry {req_id!r} has no reason")
        for row in matched:
            row.na_reason = reason
    return problems


def md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(rows, command, inputs, linux_section=None):
    out = []
    out.append("# RFC 9293 conformance")
    out.append("")
    out.append("<!-- GENERATED FILE: do not edit by hand. -->")
    out.append("Generated by `tools/conformance/gen_conformance.py`; do not edit by hand. Regenerate with:")
    out.append("")
    out.append("```")
    out.append(command)
    out.append("```")
    out.append("")
    out.append("Inputs: " + ", ".join(f"`{p}`" for p in inputs) + ". `tools/conformance/run.sh BUILD_DIR` runs "
               "every test binary of a build dir with XML output and then this command.")
    out.append("")
    out.append("A row is *passing* when a test tagged with its ID (USTACK_REQ in the test body) passed, *failing* when "
               "a tagged test failed, *not applicable* or *deferred* with the reason from `docs/conformance-na.csv`. "
               "Deferred rows are not done.")
    out.append("")
    out.append("## Summary")
    out.append("")
    out.append("| level | rows | " + " | ".join(STATUSES) + " |")
    out.append("|---|---:|" + "---:|" * len(STATUSES))
    levels = LEVELS + sorted({r.level for r in rows} - set(LEVELS))
    for level in levels + ["all"]:
        sel = [r for r in rows if level == "all" or r.level == level]
        if not sel:
            continue
        counts = [sum(1 for r in sel if r.status == s) for s in STATUSES]
        name = f"**{level}**" if level == "all" else level
        out.append(f"| {name} | {len(sel)} | " + " | ".join(str(c) for c in counts) + " |")
    out.append("")
    out.append("## Requirements")
    out.append("")
    out.append("| ID | section | level | group | feature | status | evidence |")
    out.append("|---|---|---|---|---|---|---|")
    for r in rows:
        if r.status == "failing":
            evidence = "FAILED: " + ", ".join(r.failing)
            if r.passing:
                evidence += "; passed: " + ", ".join(r.passing)
        elif r.status == "passing":
            evidence = ", ".join(r.passing)
        elif r.na_reason:
            evidence = r.na_reason
        else:
            evidence = ""
        out.append(f"| {md(r.req_id)} | {md(r.section)} | {md(r.level)} | {md(r.group)} | {md(r.feature)} | "
                   f"{r.status} | {md(evidence)} |")
    out.append("")
    if linux_section:
        out += linux_section
    return "\n".join(out)


def rel(path):
    p = os.path.abspath(path)
    try:
        return os.path.relpath(p, REPO)
    except ValueError:
        return p


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", default=DEFAULT_CSV)
    ap.add_argument("--xml", action="append", default=[], help="gtest XML result file (repeatable)")
    ap.add_argument("--scripts", action="append", default=[], help="packet-script results JSON (optional)")
    ap.add_argument("--na", default=DEFAULT_NA)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--linux", help="`ustack script --diff --json` results (optional)")
    ap.add_argument("--linux-differences", default=DEFAULT_LINUX_DIFFS)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)

    rows = read_requirements(args.csv)
    results = []
    for path in args.xml:
        results += list(read_gtest_xml(path))
    for path in args.scripts:
        results += read_scripts(path)
    problems = build(rows, results, read_na(args.na))

    parts = ["python3 tools/conformance/gen_conformance.py", f"--csv {rel(args.csv)}"]
    # ctest runs each test in its own process, so one binary leaves many XML
    # files (test_tcp.xml, test_tcp_1.xml, ...): name them by directory.
    xml_dirs = sorted({os.path.dirname(rel(p)) or "." for p in args.xml})
    xml_shown = [f"{d}/*.xml" for d in xml_dirs] if len(args.xml) > 4 else [rel(p) for p in args.xml]
    parts += [f"$(for f in {g}; do printf -- '--xml %s ' \"$f\"; done)" if "*" in g else f"--xml {g}"
              for g in xml_shown]
    parts += [f"--scripts {rel(p)}" for p in args.scripts]
    parts += [f"--na {rel(args.na)}"]
    linux_results = linux_diff.read_linux_results(args.linux)
    if args.linux:
        parts += [f"--linux {rel(args.linux)}", f"--linux-differences {rel(args.linux_differences)}"]
    parts += [f"--out {rel(args.out)}"]
    inputs = [rel(args.csv)] + xml_shown + [rel(p) for p in args.scripts if os.path.exists(p)]
    inputs.append(rel(args.na))
    if linux_results is not None:
        inputs += [rel(args.linux), rel(args.linux_differences)]
    section, linux_warnings = linux_diff.render_section(
        linux_results, linux_diff.read_differences(args.linux_differences), md, rel(args.linux or ""))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(render(rows, " \\\n    ".join(parts), inputs, section))

    counts = {s: sum(1 for r in rows if r.status == s) for s in STATUSES}
    print(f"{rel(args.out)}: {len(rows)} rows, " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    for p in problems:
        print("error: " + p, file=sys.stderr)
    for w in linux_warnings:
        print("warning: " + w, file=sys.stderr)
    if not args.check:
        return 0
    open_rows = [r for r in rows if r.level in CHECKED_LEVELS and not r.satisfied]
    for r in open_rows:
        print(f"unmet: {r.req_id} ({r.level}, {r.group}): {r.feature} -- {r.status}", file=sys.stderr)
    failing = [r for r in rows if r.status == "failing"]
    for r in failing:
        if r.level not in CHECKED_LEVELS:
            print(f"failing: {r.req_id}: " + ", ".join(r.failing), file=sys.stderr)
    if open_rows or problems or failing:
        print(f"check failed: {len(open_rows)} MUST/MUST NOT rows unmet, {len(failing)} rows failing, "
              f"{len(problems)} unknown IDs", file=sys.stderr)
        return 1
    print("check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
