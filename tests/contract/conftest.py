"""The target of the contract tests.

``QBTS_CONTRACT_TARGET`` chooses it: ``local`` (the default) runs the
contract against a local sandbox of its own; ``live`` against the company
given by the ``QBTS_LIVE_*`` variables (see tests/contract/README.md), then
against a local sandbox, and writes the fidelity report comparing them.
"""

import os

import pytest

from .live import run_live, run_local

TARGETS = ("local", "live")
_LIVE_RUNS = []


def contract_target():
    target = (os.environ.get("QBTS_CONTRACT_TARGET") or "local").strip()
    if target not in TARGETS:
        raise pytest.UsageError(f"QBTS_CONTRACT_TARGET must be one of {TARGETS}, not {target!r}")
    return target


@pytest.fixture(scope="session")
def contract_run():
    """The :class:`~.probes.ContractRun` of the chosen target (run once)."""
    if contract_target() == "live":
        live = run_live(os.environ)
        _LIVE_RUNS.append(live)
        return live.target
    return run_local()


def pytest_terminal_summary(terminalreporter):
    for live in _LIVE_RUNS:
        terminalreporter.section("QuickBooks fidelity report")
        terminalreporter.write(live.text)
        terminalreporter.write_line(f"(written to {live.report_file} and its .json)")
