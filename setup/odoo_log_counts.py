"""Read an Odoo test log; print 'passed failed skipped problem_lines'.

Odoo ends a test run with
``odoo.tests.result: 0 failed, 1 error(s) of 42 tests when loading database 'db'``
and logs each skipped test as ``skipped <test> : <reason>``. Like OCA's CI,
any WARNING/ERROR/CRITICAL line counts as a problem: a clean log is part of
passing.
"""

import re
import sys

RESULT = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
SKIPPED = re.compile(r" INFO \S+ \S+: skipped ")
PROBLEM = re.compile(r"^\S+ \S+ \d+ (WARNING|ERROR|CRITICAL) ")
# Said by odoo-bin about the machine, not about the code under test (CI
# containers run as root).
IGNORED = ("Running as user 'root' is a security risk.",)


def main(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as log:
            lines = log.read().splitlines()
    except OSError:
        lines = []
    run = failed = skipped = problems = 0
    for line in lines:
        match = RESULT.search(line)
        if match:
            failed += int(match.group(1)) + int(match.group(2))
            run += int(match.group(3))
        if SKIPPED.search(line):
            skipped += 1
        if PROBLEM.match(line) and not line.endswith(IGNORED):
            problems += 1
    if not lines:
        failed = 1
    print(max(run - failed - skipped, 0), failed, skipped, problems)


if __name__ == "__main__":
    main(sys.argv[1])
