#!/usr/bin/env python3
"""Tests for tools/conformance/gen_conformance.py on a tiny CSV and gtest XML fixture.

Run: python3 -m unittest discover -s tests/conformance   (from the repo root)
"""

import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.normpath(os.path.join(HERE, "..", "..", "tools", "conformance", "gen_conformance.py"))

CSV = """\
req_id,section,level,group,feature
MUST-2,3.1,MUST,TCP Checksums,Sender compute checksum
MUST-15,3.7.1,MUST,TCP Options,IPv4 Send-MSS default is 536
MUST-15,3.7.1,MUST,TCP Options,IPv6 Send-MSS default is 1220
MUST-14,"3.1,3.7.1",MUST,TCP Options,Implement sending & receiving MSS Option
MUST-56,3.9.2.2,MUST NOT,ICMP,Abort on Time Exceeded (sub-item)
SHLD-1,3.4.1,SHOULD,ISN Selection,Secure ISN generator with a PRF component
MAY-1,3.6.1,MAY,Closing Connections,Half-duplex close connections
"""


def gtest_xml(cases):
    """cases: (suite, name, tags or None, outcome) with outcome in passed/failed/skipped/attr."""
    body = []
    for suite, name, tags, outcome in cases:
        attrs = f'name="{name}" classname="{suite}" status="run" result="completed"'
        if outcome == "skipped":
            attrs = f'name="{name}" classname="{suite}" status="run" result="skipped"'
        if outcome == "attr":  # gtest < 1.10 writes properties as attributes
            body.append(f'<testcase {attrs} rfc9293="{tags}"/>')
            continue
        inner = ""
        if tags is not None:
            inner += f'<properties><property name="rfc9293" value="{tags}"/></properties>'
        if outcome == "failed":
            inner += '<failure message="boom" type=""><![CDATA[x.cc:1 boom]]></failure>'
        if outcome == "skipped":
            inner += '<skipped message="no root"/>'
        body.append(f"<testcase {attrs}>{inner}</testcase>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="S">'
            + "".join(body) + "</testsuite></testsuites>\n")


class GenConformanceTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.csv = self.write("req.csv", CSV)
        self.na = self.write("na.csv", "req_id,reason\n")
        self.out = os.path.join(self.dir, "out.md")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def run_gen(self, xmls, check=True, na=None, scripts=None, linux=None, linux_diffs=None):
        args = [sys.executable, SCRIPT, "--csv", self.csv, "--na", na or self.na, "--out", self.out]
        if linux:
            args += ["--linux", linux]
        if linux_diffs:
            args += ["--linux-differences", linux_diffs]
        for x in xmls:
            args += ["--xml", x]
        for s in scripts or []:
            args += ["--scripts", s]
        if check:
            args.append("--check")
        proc = subprocess.run(args, capture_output=True, text=True)
        with open(self.out, encoding="utf-8") as f:
            report = f.read()
        return proc.returncode, report, proc.stderr

    def row(self, report, req_id, feature_part=""):
        for line in report.splitlines():
            if line.startswith(f"| {req_id} |") and feature_part in line:
                return line
        self.fail(f"no row {req_id} {feature_part}")

    def all_must_xml(self):
        return self.write("all.xml", gtest_xml([
            ("Wire", "Checksum", "MUST-2", "passed"),
            ("Wire", "Mss", "MUST-14,MUST-15", "passed"),
            ("Tcp", "TimeExceeded", "MUST-56", "passed"),
        ]))

    def test_id_tag_marks_every_row_with_that_id(self):
        rc, report, err = self.run_gen([self.all_must_xml()])
        self.assertEqual(rc, 0, err)
        self.assertIn("passing | Wire.Mss", self.row(report, "MUST-15", "IPv4"))
        self.assertIn("passing | Wire.Mss", self.row(report, "MUST-15", "IPv6"))
        self.assertIn("not yet tested", self.row(report, "SHLD-1"))

    def test_qualified_tag_marks_only_matching_rows(self):
        xml = self.write("q.xml", gtest_xml([("Wire", "Checksum", "MUST-2", "passed"),
                                             ("Wire", "Mss", "MUST-14,MUST-15/IPv4", "passed"),
                                             ("Tcp", "TimeExceeded", "MUST-56", "passed")]))
        rc, report, err = self.run_gen([xml])
        self.assertIn("passing", self.row(report, "MUST-15", "IPv4"))
        self.assertIn("not yet tested", self.row(report, "MUST-15", "IPv6"))
        self.assertEqual(rc, 1)
        self.assertIn("unmet: MUST-15", err)

    def test_untested_must_fails_check_but_should_does_not(self):
        xml = self.write("p.xml", gtest_xml([("Wire", "Checksum", "MUST-2", "passed")]))
        rc, _, err = self.run_gen([xml])
        self.assertEqual(rc, 1)
        self.assertIn("unmet: MUST-14", err)
        self.assertIn("unmet: MUST-56 (MUST NOT", err)
        self.assertNotIn("SHLD-1", err)
        self.assertNotIn("MAY-1", err)
        rc, _, _ = self.run_gen([xml], check=False)
        self.assertEqual(rc, 0)  # without --check the report is written and the exit is 0

    def test_failing_test_marks_row_failing_and_fails_check(self):
        extra = self.write("f.xml", gtest_xml([("Other", "Checksum2", "MUST-2", "failed")]))
        rc, report, err = self.run_gen([self.all_must_xml(), extra])
        self.assertEqual(rc, 1)
        line = self.row(report, "MUST-2")
        self.assertIn("| failing |", line)
        self.assertIn("FAILED: Other.Checksum2", line)
        self.assertIn("passed: Wire.Checksum", line)

    def test_same_test_failing_in_one_file_wins(self):
        again = self.write("again.xml", gtest_xml([("Wire", "Checksum", "MUST-2", "failed")]))
        rc, report, _ = self.run_gen([self.all_must_xml(), again])
        self.assertEqual(rc, 1)
        self.assertIn("| failing |", self.row(report, "MUST-2"))

    def test_unknown_tag_fails_check(self):
        extra = self.write("u.xml", gtest_xml([("Wire", "Typo", "MUST-999", "passed")]))
        rc, _, err = self.run_gen([self.all_must_xml(), extra])
        self.assertEqual(rc, 1)
        self.assertIn("MUST-999", err)

    def test_na_satisfies_check_but_deferred_does_not(self):
        xml = self.write("p.xml", gtest_xml([("Wire", "Checksum", "MUST-2", "passed"),
                                             ("Wire", "Mss", "MUST-14,MUST-15/IPv4", "passed")]))
        na = self.write("na2.csv", "req_id,reason\nMUST-56,ustack never aborts on ICMP at all\n"
                                   "MUST-15/IPv6,deferred: IPv6 not implemented\n")
        rc, report, err = self.run_gen([xml], na=na)
        self.assertIn("| not applicable | ustack never aborts", self.row(report, "MUST-56"))
        self.assertIn("| deferred | deferred: IPv6", self.row(report, "MUST-15", "IPv6"))
        self.assertEqual(rc, 1)
        self.assertIn("unmet: MUST-15 (MUST, TCP Options): IPv6", err)
        self.assertNotIn("unmet: MUST-56", err)

    def test_na_with_unknown_id_fails_check(self):
        na = self.write("na3.csv", "req_id,reason\nMUST-777,nope\n")
        rc, _, err = self.run_gen([self.all_must_xml()], na=na)
        self.assertEqual(rc, 1)
        self.assertIn("MUST-777", err)

    def test_skipped_tests_do_not_count_and_attribute_form_is_read(self):
        xml = self.write("s.xml", gtest_xml([("Wire", "Checksum", "MUST-2", "skipped"),
                                             ("Old", "Mss", "MUST-14,MUST-15", "attr"),
                                             ("Tcp", "TimeExceeded", "MUST-56", "passed")]))
        rc, report, err = self.run_gen([xml])
        self.assertEqual(rc, 1)
        self.assertIn("not yet tested", self.row(report, "MUST-2"))
        self.assertIn("passing | Old.Mss", self.row(report, "MUST-14"))

    def test_scripts_json_counts_and_missing_file_is_ignored(self):
        xml = self.write("p.xml", gtest_xml([("Wire", "Checksum", "MUST-2", "passed"),
                                             ("Wire", "Mss", "MUST-14,MUST-15", "passed")]))
        missing = os.path.join(self.dir, "absent.json")
        rc, _, _ = self.run_gen([xml], scripts=[missing])
        self.assertEqual(rc, 1)  # MUST-56 still unmet
        js = self.write("scripts.json", '{"scripts": [{"name": "icmp_time_exceeded.pkt", "passed": true, '
                                        '"rfc9293": "MUST-56"}]}')
        rc, report, err = self.run_gen([xml], scripts=[js])
        self.assertEqual(rc, 0, err)
        self.assertIn("script:icmp_time_exceeded.pkt", self.row(report, "MUST-56"))

    def test_report_header_and_summary(self):
        _, report, _ = self.run_gen([self.all_must_xml()])
        head = "\n".join(report.splitlines()[:12])
        self.assertIn("do not edit by hand", head)
        self.assertIn("gen_conformance.py", head)
        self.assertIn("--xml", head)
        # 4 MUST rows and 1 MUST NOT row, all passing; the SHOULD and the MAY row untested.
        self.assertIn("| MUST | 4 | 4 | 0 | 0 | 0 | 0 |", report)
        self.assertIn("| MUST NOT | 1 | 1 | 0 | 0 | 0 | 0 |", report)
        self.assertIn("| SHOULD | 1 | 0 | 0 | 0 | 0 | 1 |", report)
        self.assertIn("| **all** | 7 | 5 | 0 | 0 | 0 | 2 |", report)
        rows = [l for l in report.splitlines() if l.startswith(("| MUST-", "| SHLD-", "| MAY-"))]
        self.assertEqual(len(rows), 7)  # one line per CSV row, duplicates included
    def test_linux_section_lists_only_scripts_that_differ_and_flags_unexplained(self):
        results = self.write("linux.json", """[
          {"name": "/r/tests/scripts/same.pkt", "passed": true, "linux_passed": true, "rfc9293": []},
          {"name": "/r/tests/scripts/rto.pkt", "passed": true, "linux_passed": false, "rfc9293": [],
           "linux_message": "rto.pkt:7: expected packet at 1.0 s, got it at 1.13 s"},
          {"name": "/r/tests/scripts/odd.pkt", "passed": true, "linux_passed": false, "rfc9293": [],
           "linux_message": "odd.pkt:3: no packet"}
        ]""")
        diffs = self.write("diffs.csv", "scripts,linux,ustack,clause,verdict\n"
                                        "rto other,RTO 1.13 s,RTO 1.0 s,RFC 6298 2.4,ustack\n"
                                        "same,x,y,z,both\n")
        rc, report, err = self.run_gen([self.all_must_xml()], linux=results, linux_diffs=diffs)
        self.assertEqual(rc, 0, err)  # unexplained differences warn, they do not gate
        section = report[report.index("## Differences from Linux"):]
        self.assertIn("3 scripts; ustack 3 passed; Linux 1 passed; 2 differ", section)
        self.assertIn("| rto | RTO 1.13 s | RTO 1.0 s | RFC 6298 2.4 | ustack |", section)
        self.assertIn("| odd | passed | FAILED: odd.pkt:3: no packet |", section)
        self.assertIn("same on both in this run: same", section)
        self.assertIn("not in this run: other", section)
        self.assertIn("without an explanation: odd", err)

    def test_plain_tag_does_not_mark_a_row_set_apart_by_a_qualified_na(self):
        xml = self.write("q.xml", gtest_xml([
            ("Wire", "Checksum", "MUST-2", "passed"),
            ("Wire", "Mss", "MUST-14,MUST-15", "passed"),
            ("Tcp", "TimeExceeded", "MUST-56", "passed"),
        ]))
        na = self.write("na6.csv", "req_id,reason\nMUST-15/IPv6,IPv4-only stack\n")
        rc, report, err = self.run_gen([xml], na=na)
        self.assertEqual(rc, 0, err)
        self.assertIn("| passing |", self.row(report, "MUST-15", "IPv4"))
        self.assertIn("| not applicable | IPv4-only stack |", self.row(report, "MUST-15", "IPv6"))
        deferred = self.write("nad.csv", "req_id,reason\nMUST-15/IPv6,deferred: later\n")
        rc, report, _ = self.run_gen([xml], na=deferred)
        self.assertEqual(rc, 1)  # a deferred MUST row is not done, whatever a plain tag says
        self.assertIn("| deferred |", self.row(report, "MUST-15", "IPv6"))

    def test_linux_section_without_a_linux_run(self):
        _, report, _ = self.run_gen([self.all_must_xml()])
        self.assertIn("## Differences from Linux", report)
        self.assertIn("Not run for this report", report)


if __name__ == "__main__":
    unittest.main()
