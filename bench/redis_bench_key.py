"""Make the virtual key bench/gateway_redis.yaml is benchmarked with.

bench_gateway.py always sends ``Authorization: Bearer sk-gwbench-dummy``. gateway_redis.yaml
has no master key, so that token must be a virtual key for the request to carry a key's and
a team's budget and rate limits. This creates the team and key (limits far above what a
benchmark can reach, so nothing is refused) and gives the key that token's hash:

    python bench/redis_bench_key.py [/tmp/turnout-redis-bench-keys.db]
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from turnout.keys import KeyStore, hash_key

TOKEN = "sk-gwbench-dummy"
DEFAULT_DB = "/tmp/turnout-redis-bench-keys.db"


def main(argv: list[str]) -> int:
    path = Path(argv[0] if argv else DEFAULT_DB)
    path.unlink(missing_ok=True)
    store = KeyStore(path)
    team = store.create_team("bench-team", budget_usd=1_000_000.0, budget_period="daily", rpm=100_000_000)
    _, key = store.create("bench", budget_usd=1_000_000.0, budget_period="daily", rpm=100_000_000,
                          tpm=1_000_000_000, team=team.id)
    store.close()
    with sqlite3.connect(path) as db:  # the benchmark's fixed token instead of the random one
        db.execute("UPDATE turnout_keys SET key_hash = ?, prefix = ? WHERE id = ?",
                   (hash_key(TOKEN), TOKEN[:8], key.id))
    print(f"{path}: key {key.id} (team {team.id}) answers to the benchmark's token")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
