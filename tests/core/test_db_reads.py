"""SQLite reads see every write issued before them, however many wait at once."""

from __future__ import annotations

import asyncio

from bot.db import Database


async def test_reads_behind_a_burst_of_writes_see_every_write_issued_before_them(
    sqlite_db: Database,
) -> None:
    async def write(n: int) -> None:
        await sqlite_db.execute(
            "INSERT INTO bot_state (key, value) VALUES (:key, 'x')", {"key": f"k{n}"}
        )

    async def count() -> int:
        return int(await sqlite_db.fetch_value("SELECT COUNT(*) FROM bot_state") or 0)

    tasks = []
    for n in range(50):
        tasks.append(asyncio.create_task(write(n)))
        tasks.append(asyncio.create_task(count()))
    await asyncio.sleep(0)  # every write is issued (waiting for the lock) before its read
    results = await asyncio.gather(*tasks)
    seen = results[1::2]
    assert all(later >= n + 1 for n, later in enumerate(seen)), seen
    assert seen[-1] == 50
