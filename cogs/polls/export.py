"""A poll as CSV, written a page of votes at a time so the bot keeps answering meanwhile.

A 100,000-vote poll is a file of several megabytes; building it in one go held the event
loop for over a second (every command and vote waited). Here each page of votes is read
from the database, written out, and the loop gets a turn before the next.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Sequence

from cogs.polls.logic import Tally
from cogs.polls.store import Poll, VoteRow

BOM = "\ufeff"  # so spreadsheet apps read the file as UTF-8
VOTE_HEADER = ("poll_id", "position", "emoji", "option", "user_id", "voted_at_utc", "counted")
COUNT_HEADER = ("poll_id", "position", "emoji", "option", "votes")


def _cell(text: str) -> str:
    # Spreadsheet apps run cells starting with these as formulas; a quote keeps them text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def export_csv(
    poll: Poll, result: Tally, pages: AsyncIterator[list[VoteRow]]
) -> tuple[bytes, int]:
    """The poll as CSV and how many votes it lists.

    One line per vote, or per option (counts only) when anonymous. A single-choice poll
    can hold older votes the bot could not tidy away (no Manage Messages); the `counted`
    column says which row is each fan's counted (latest) vote.
    """
    out = io.BytesIO()
    text = io.StringIO()
    writer = csv.writer(text)
    text.write(BOM)
    votes = 0
    if poll.anonymous:
        writer.writerow(COUNT_HEADER)
        writer.writerows(
            [poll.poll_id, i + 1, option.emoji, _cell(option.label), result.counts[i]]
            for i, option in enumerate(poll.options)
        )
        votes = sum(result.counts)  # a button vote is one row, and every row counts
    else:
        writer.writerow(VOTE_HEADER)
        labels = [(option.emoji, _cell(option.label)) for option in poll.options]
        async for rows in pages:
            writer.writerows(_vote_lines(poll, labels, rows))
            votes += len(rows)
            out.write(text.getvalue().encode())
            text.seek(0)
            text.truncate()
            await asyncio.sleep(0)  # whatever else is waiting runs between pages
    out.write(text.getvalue().encode())
    return out.getvalue(), votes


def _vote_lines(
    poll: Poll, labels: Sequence[tuple[str, str]], rows: Sequence[VoteRow]
) -> list[list[object]]:
    return [
        [
            poll.poll_id,
            row.position + 1,
            *labels[row.position],
            row.user_id,
            row.voted_at.isoformat(),
            "yes" if poll.multi or row.latest else "no",
        ]
        for row in rows
    ]
