"""``flask setup``: seed, embed and propose in one process; a second run does no work."""

from __future__ import annotations


def test_setup_then_setup_again_does_nothing(runner, db):
    first = runner.invoke(args=["setup"])
    assert first.exit_code == 0, first.output
    assert "Seed: 46 organisations (46 created" in first.output
    assert "Proposed" in first.output and db.table("proposal_runs").count == 1
    second = runner.invoke(args=["setup"])
    assert second.exit_code == 0, second.output
    assert "46 unchanged" in second.output and "0 passages embedded" in second.output
    assert "Nothing changed since the last proposals" in second.output
    assert db.table("proposal_runs").count == 1
