"""Print Odoo's requirements.txt with its markers evaluated for Python 3.12.

Odoo 18 pins old releases for Python < 3.12 (cryptography 3.4.8, gevent 22,
lxml 4.9 ...) that no longer build on current toolchains; its pins for
Python >= 3.12 install and run on 3.11. python-ldap is dropped (it needs LDAP
headers and only serves auth_ldap).
"""

import sys

from packaging.requirements import Requirement

SKIP = {"python-ldap", "pypiwin32", "rl-renderpm"}
ENVIRONMENT = {"python_version": "3.12", "sys_platform": "linux", "platform_system": "Linux"}


def main(path):
    for raw in open(path, encoding="utf-8"):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        if requirement.name.lower() in SKIP:
            continue
        if requirement.marker and not requirement.marker.evaluate(ENVIRONMENT):
            continue
        requirement.marker = None
        print(requirement)


if __name__ == "__main__":
    main(sys.argv[1])
