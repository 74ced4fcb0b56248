-- A fan's latest vote in a poll is one step down this index. Counting a single-choice poll
-- (at close) and marking the latest votes in an export ask "the highest vote_id of this fan
-- in this poll" once per vote; without it SQLite walked poll_votes_in_order backwards from
-- the poll's newest vote for every one of them (10,000 votes: tens of seconds of CPU).
CREATE INDEX poll_votes_latest ON poll_votes (poll_id, user_id, vote_id);
