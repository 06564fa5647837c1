"""The replicas' settings: HOCTAP_REPLICAS > 1 with a Telegram bot needs its webhook (polling replicas would each take
updates the others never see); Redis, the context lifetime and the sweep interval are read from the environment."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_config


def test_several_replicas_with_telegram_polling_are_refused(tmp_path):
    env = {"HOCTAP_REPLICAS": "2", "TELEGRAM_BOT_TOKEN": "123:abc"}
    with pytest.raises(ConfigError, match="HOCTAP_REPLICAS=2 needs TELEGRAM_WEBHOOK_URL"):
        load_config(tmp_path, environ=env)
    cfg = load_config(tmp_path, environ={**env, "TELEGRAM_WEBHOOK_URL": "https://x.vn/telegram/webhook"}).channels
    assert cfg.replicas == 2 and cfg.telegram_webhook
    assert load_config(tmp_path, environ={"HOCTAP_REPLICAS": "2"}).channels.replicas == 2  # no Telegram: fine
    one = load_config(tmp_path, environ={"TELEGRAM_BOT_TOKEN": "123:abc"}).channels
    assert one.replicas == 1 and not one.telegram_webhook  # one replica polls, as before


def test_shared_state_settings(tmp_path):
    c = load_config(
        tmp_path,
        environ={
            "HOCTAP_REDIS_URL": "redis://:pw@127.0.0.1:6379/3",
            "HOCTAP_CONTEXT_TTL_S": "600",
            "HOCTAP_SWEEP_INTERVAL_S": "5",
        },
    )
    assert c.settings.redis_url == "redis://:pw@127.0.0.1:6379/3" and c.settings.context_ttl_s == 600
    assert c.channels.sweep_interval_s == 5
    assert "pw" not in repr(c)  # the Redis password is masked like the database's
    d = load_config(tmp_path, environ={})
    assert (d.settings.redis_url, d.settings.context_ttl_s, d.channels.sweep_interval_s) == ("", 86400, 60)
