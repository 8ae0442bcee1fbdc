"""The registry's metadata and the combined proxies (vote, rank mean)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from nasbench_kit.errors import OutOfDomainError
from nasbench_kit.proxies import PROXIES, combine, get_proxy, list_proxies
from nasbench_kit.proxies.combined import copeland_vote, rank_matrix
from nasbench_kit.proxies.registry import resolve

SUITE_ZERO = {"epe_nas", "fisher", "flops", "grad_norm", "grasp", "jacov", "l2_norm", "nwot",
              "params", "plain", "snip", "synflow", "zen"}  # fmt: skip


def test_the_thirteen_and_their_metadata():
    assert set(list_proxies("network")) == SUITE_ZERO
    assert {n for n in SUITE_ZERO if PROXIES[n].data_free} == {
        "flops", "l2_norm", "params", "synflow", "zen"
    }  # fmt: skip
    assert set(list_proxies("combined")) == {"vote", "rank_mean"}
    assert all(PROXIES[n].higher_is_better for n in PROXIES)
    assert [p.name for p in resolve("all")] == list_proxies("network")
    assert [p.name for p in resolve(" synflow , nwot ")] == ["synflow", "nwot"]
    assert get_proxy("vote").components == ("synflow", "jacov", "snip")


def test_combined_proxies_refuse_a_single_network():
    with pytest.raises(OutOfDomainError, match="population"):
        PROXIES["vote"](torch.nn.Linear(2, 2), torch.zeros(2, 2), None)


def test_copeland_vote_by_hand():
    # three proxies disagree: row 1 wins both its majority duels, row 0 none
    df = pd.DataFrame(
        {"synflow": [1.0, 2.0, 3.0], "jacov": [3.0, 2.0, 1.0], "snip": [1.0, 3.0, 2.0]}
    )
    assert combine("vote", df).tolist() == [0.0, 1.0, 0.5]
    # unanimous proxies: the vote is the common ranking
    same = pd.DataFrame({c: [5.0, 1.0, 3.0, 2.0] for c in ("synflow", "jacov", "snip")})
    assert combine("vote", same).tolist() == pytest.approx([1.0, 0.0, 2 / 3, 1 / 3])


def test_rank_mean_and_nan_ranks_lowest():
    df = pd.DataFrame(
        {"synflow": [1.0, np.nan, 3.0], "nwot": [2.0, 1.0, 3.0], "jacov": [1.0, 2.0, 3.0]}
    )
    ranks = rank_matrix({c: df[c] for c in df}, {c: True for c in df})
    assert ranks[:, 0].tolist() == pytest.approx([2 / 3, 1 / 3, 1.0])
    assert combine("rank_mean", df).tolist() == pytest.approx(ranks.mean(1).tolist())
    assert np.argmax(combine("rank_mean", df)) == 2


def test_lower_is_better_flips_ranks_and_vote_blocks_agree():
    flipped = rank_matrix({"a": [1.0, 2.0, 3.0]}, {"a": False})
    assert flipped[:, 0].tolist() == pytest.approx([1.0, 2 / 3, 1 / 3])
    rng = np.random.default_rng(0)
    ranks = rng.random((50, 3))
    assert np.allclose(copeland_vote(ranks, block=7), copeland_vote(ranks, block=512))


@pytest.mark.parametrize(
    ("name", "frame", "match"),
    [("synflow", {"synflow": [1.0]}, "not a combined"), ("vote", {"synflow": [1.0]}, "missing")],
)
def test_combine_errors(name, frame, match):
    with pytest.raises(OutOfDomainError, match=match):
        combine(name, pd.DataFrame(frame))
