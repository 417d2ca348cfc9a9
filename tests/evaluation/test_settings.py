"""Settings from the config sections, and config keys."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from engine.evaluation import EloSettings, GauntletSettings, PromotionSettings, make_config_key, parse_config_key


def test_defaults_and_sections():
    assert PromotionSettings.from_config(None) == PromotionSettings()
    from engine.config import ForgeConfig
    assert GauntletSettings.from_config(ForgeConfig()) == GauntletSettings()  # no section yet: defaults
    cfg = SimpleNamespace(promotion=SimpleNamespace(elo1=25.0, max_games=100, unrelated=1))
    st = PromotionSettings.from_config(cfg)
    assert st.elo1 == 25.0 and st.max_games == 100 and st.alpha == 0.05
    assert PromotionSettings.from_config({"promotion": {"alpha": 0.1}}).alpha == 0.1
    assert PromotionSettings.from_config({"alpha": 0.1}, beta=0.2) == PromotionSettings(alpha=0.1, beta=0.2)
    g = GauntletSettings.from_config({"gauntlet": {"ladder_simulations": [8, 32]}})
    assert g.ladder_simulations == (8, 32)
    e = EloSettings.from_config(SimpleNamespace(evaluation={"prior_sd": 500.0}))
    assert e.prior_sd == 500.0
    assert EloSettings.from_config(e, tol=1e-3).tol == 1e-3


@pytest.mark.parametrize("bad", [dict(elo1=0.0), dict(alpha=0.0), dict(min_games=50, max_games=40),
                                 dict(batch_pairs=0)])
def test_invalid_promotion_settings(bad):
    with pytest.raises(ValueError):
        PromotionSettings(**bad)


def test_config_keys():
    assert make_config_key("hex8", 3) == "hex8_3p" and parse_config_key("hexagonal_4p") == ("hexagonal", 4)
    for bad in ("square8", "square8_5p", "go_2p", "square8_p"):
        with pytest.raises(ValueError):
            parse_config_key(bad)
