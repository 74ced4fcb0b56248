-- PostgreSQL edition of ../0009_poll_latest_vote.sql.

CREATE INDEX poll_votes_latest ON poll_votes (poll_id, user_id, vote_id);
