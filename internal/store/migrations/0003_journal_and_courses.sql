-- Cairn schema version 3: the journal (posts and tags), followed courses and
-- their tasks, and owner settings.

-- Small owner settings that are not part of the profile (e.g. websub_hub).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Courses the learner follows by their feed.
CREATE TABLE courses (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL DEFAULT '',
    site_url      TEXT    NOT NULL DEFAULT '',
    feed_url      TEXT    NOT NULL UNIQUE,       -- the feed actually polled
    input_url     TEXT    NOT NULL DEFAULT '',   -- what the learner pasted (page or feed)
    hashtag       TEXT    NOT NULL DEFAULT '',   -- without '#', lower-case
    etag          TEXT    NOT NULL DEFAULT '',
    last_modified TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ok', 'error')),
    error         TEXT    NOT NULL DEFAULT '',   -- readable reason of the last failed fetch
    fetched_at    INTEGER,                       -- last fetch attempt
    next_fetch_at INTEGER NOT NULL DEFAULT 0,    -- when the poller fetches it next
    failures      INTEGER NOT NULL DEFAULT 0,    -- consecutive failed fetches (backoff)
    created_at    INTEGER NOT NULL
);
CREATE INDEX courses_due ON courses (next_fetch_at);

-- One task per feed item. url is kept exactly as the feed gives it: it is
-- the in-reply-to of answers and the Webmention target, compared byte for
-- byte. Tasks are never deleted when an item leaves the feed (removed_at),
-- so answers keep their task.
CREATE TABLE tasks (
    id               INTEGER PRIMARY KEY,
    course_id        INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    guid             TEXT    NOT NULL,   -- dedupe key: item GUID, else link, else hash of title+date
    url              TEXT    NOT NULL DEFAULT '',
    title            TEXT    NOT NULL DEFAULT '',
    description_html TEXT    NOT NULL DEFAULT '',  -- sanitised
    hashtag          TEXT    NOT NULL DEFAULT '',  -- without '#', lower-case
    published_at     INTEGER,
    due_at           INTEGER,
    state            TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'answered', 'awarded')),
    removed_at       INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (course_id, guid)
);
CREATE INDEX tasks_url ON tasks (url);

-- Journal posts. content is the Markdown source; content_html its
-- sanitised rendering. A deleted post keeps its row (and so its slug) and
-- answers 410 with a tombstone.
CREATE TABLE posts (
    id           INTEGER PRIMARY KEY,
    slug         TEXT    NOT NULL UNIQUE,
    title        TEXT    NOT NULL DEFAULT '',
    content      TEXT    NOT NULL DEFAULT '',
    content_html TEXT    NOT NULL DEFAULT '',
    summary      TEXT    NOT NULL DEFAULT '',   -- plain text, for feeds and cards
    in_reply_to  TEXT    NOT NULL DEFAULT '',   -- exactly as given (a task URL byte for byte)
    task_id      INTEGER REFERENCES tasks (id) ON DELETE SET NULL,
    is_task      INTEGER NOT NULL DEFAULT 0,    -- the owner publishes this post as a task (/tasks)
    draft        INTEGER NOT NULL DEFAULT 0,
    published_at INTEGER,                       -- set on first publish, never changed after
    updated_at   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    deleted_at   INTEGER
);
CREATE INDEX posts_published ON posts (draft, deleted_at, published_at);
CREATE INDEX posts_task ON posts (task_id);

CREATE TABLE post_tags (
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag     TEXT    NOT NULL,   -- without '#', lower-case
    PRIMARY KEY (post_id, tag)
);
CREATE INDEX post_tags_tag ON post_tags (tag);
