"""The contract of the addon's QuickBooks client, one test per probe
(tests/contract/probes.py), against the target tests/contract/conftest.py
chooses: the local sandbox, or a live Intuit company."""

import pytest

from .probes import PROBE_NAMES, PROBES

QUESTIONS = {probe.name for probe in PROBES if probe.question}


@pytest.mark.parametrize("name", PROBE_NAMES)
def test_probe(contract_run, name):
    result = contract_run.result(name)
    if result.outcome == "skipped":
        pytest.skip(f"{name}: {result.reason}")
    assert result.outcome == "passed", f"{name}: {result.reason}"
    if name in QUESTIONS:
        assert result.notes, f"{name} recorded no answer"


def test_everything_created_is_deleted(contract_run):
    assert not contract_run.leftovers, (
        f"time activities left in QuickBooks (delete them by hand): {contract_run.leftovers}"
    )
    assert contract_run.deleted, "the run created no time activity"
