-- PostgreSQL edition of ../0006_problem_channels.sql.

ALTER TABLE guild_problems ADD COLUMN channel_id BIGINT;
CREATE INDEX guild_problems_channel ON guild_problems (guild_id, channel_id)
    WHERE channel_id IS NOT NULL;
