-- Cairn schema version 9: the issuer's roster of learners' feeds, the posts
-- harvested from them, and submissions (posts matched to the issuer's
-- tasks, from harvested feeds or from received Webmentions) awaiting review.

-- One learner per feed. Polled like followed courses: conditional GET,
-- backoff on failure; a failed fetch only sets status, error, failures and
-- next_fetch_at.
CREATE TABLE roster_learners (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL DEFAULT '',   -- from the feed author, the page's h-card or the feed title
    site_url      TEXT    NOT NULL DEFAULT '',
    feed_url      TEXT    NOT NULL UNIQUE,       -- the feed actually polled
    input_url     TEXT    NOT NULL DEFAULT '',   -- what the issuer pasted (page or feed)
    etag          TEXT    NOT NULL DEFAULT '',
    last_modified TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ok', 'error')),
    error         TEXT    NOT NULL DEFAULT '',   -- readable reason of the last failed fetch
    fetched_at    INTEGER,
    next_fetch_at INTEGER NOT NULL DEFAULT 0,
    failures      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE INDEX roster_learners_due ON roster_learners (next_fetch_at);

-- Posts harvested from roster feeds, one per (learner, item GUID).
-- in_reply_to and tags hold one value per line. page_state: 'pending' while
-- the post page still has to be read for u-in-reply-to (the feed gave
-- none), 'done' once read or not needed, 'failed' after page_tries.
CREATE TABLE roster_posts (
    id           INTEGER PRIMARY KEY,
    learner_id   INTEGER NOT NULL REFERENCES roster_learners (id) ON DELETE CASCADE,
    guid         TEXT    NOT NULL,
    url          TEXT    NOT NULL DEFAULT '',
    title        TEXT    NOT NULL DEFAULT '',   -- plain text
    excerpt      TEXT    NOT NULL DEFAULT '',   -- plain text, sanitised and cut
    published_at INTEGER,
    in_reply_to  TEXT    NOT NULL DEFAULT '',
    tags         TEXT    NOT NULL DEFAULT '',   -- lower-case, without '#'
    page_state   TEXT    NOT NULL DEFAULT 'done' CHECK (page_state IN ('pending', 'done', 'failed')),
    page_tries   INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    UNIQUE (learner_id, guid)
);
CREATE INDEX roster_posts_pending ON roster_posts (page_state, learner_id);

-- A post matched to a task: by in-reply-to, by hashtag, or by a verified
-- Webmention to the task page. One per (post, task); a dismissed one stays
-- dismissed when the post is harvested again.
CREATE TABLE roster_submissions (
    id             INTEGER PRIMARY KEY,
    task_url       TEXT    NOT NULL,   -- the issuer's task URL as the journal gives it
    task_title     TEXT    NOT NULL DEFAULT '',
    post_url       TEXT    NOT NULL,
    post_title     TEXT    NOT NULL DEFAULT '',
    excerpt        TEXT    NOT NULL DEFAULT '',   -- plain text
    learner_id     INTEGER REFERENCES roster_learners (id) ON DELETE SET NULL,
    learner_name   TEXT    NOT NULL DEFAULT '',
    learner_url    TEXT    NOT NULL DEFAULT '',
    roster_post_id INTEGER REFERENCES roster_posts (id) ON DELETE SET NULL,
    mention_id     INTEGER REFERENCES mentions (id) ON DELETE SET NULL,
    matched_by     TEXT    NOT NULL CHECK (matched_by IN ('in-reply-to', 'hashtag', 'webmention')),
    state          TEXT    NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'awarded', 'dismissed')),
    award_url      TEXT    NOT NULL DEFAULT '',   -- the last award made for it
    published_at   INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (post_url, task_url)
);
CREATE INDEX roster_submissions_state ON roster_submissions (state, created_at);
CREATE INDEX roster_submissions_task ON roster_submissions (task_url);

-- Every award made from the review queue (a submission may get a badge and
-- a Learning Token).
CREATE TABLE roster_awards (
    id             INTEGER PRIMARY KEY,
    submission_id  INTEGER NOT NULL REFERENCES roster_submissions (id) ON DELETE CASCADE,
    achievement_id TEXT    NOT NULL,
    award_url      TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX roster_awards_submission ON roster_awards (submission_id);
