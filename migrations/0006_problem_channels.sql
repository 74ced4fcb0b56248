-- A problem about one channel (a missing permission there) names it, so the core forgets it
-- when that channel is deleted, whichever feature reported it. NULL: not tied to a channel.

ALTER TABLE guild_problems ADD COLUMN channel_id INTEGER;
CREATE INDEX guild_problems_channel ON guild_problems (guild_id, channel_id)
    WHERE channel_id IS NOT NULL;
