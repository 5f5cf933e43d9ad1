-- Cairn schema version 4: Webmention sent and received, host rules, and the
-- award inbox.

-- Incoming Webmentions, one per (source, target): a re-sent mention
-- updates its row in place. status: queued (accepted, not yet verified),
-- pending (verified, awaiting moderation), approved, rejected (failed its
-- first verification), deleted (source gone or link removed), blocked.
CREATE TABLE mentions (
    id           INTEGER PRIMARY KEY,
    source       TEXT    NOT NULL,
    target       TEXT    NOT NULL,
    post_id      INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    status       TEXT    NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'pending', 'approved', 'rejected', 'deleted', 'blocked')),
    type         TEXT    NOT NULL DEFAULT '',   -- reply, like, repost, bookmark, mention, award
    author_name  TEXT    NOT NULL DEFAULT '',
    author_url   TEXT    NOT NULL DEFAULT '',
    author_photo TEXT    NOT NULL DEFAULT '',
    title        TEXT    NOT NULL DEFAULT '',
    content_html TEXT    NOT NULL DEFAULT '',   -- sanitised
    content_text TEXT    NOT NULL DEFAULT '',
    url          TEXT    NOT NULL DEFAULT '',
    published_at INTEGER,
    error        TEXT    NOT NULL DEFAULT '',   -- why verification failed
    received_at  INTEGER NOT NULL,
    verified_at  INTEGER,
    updated_at   INTEGER NOT NULL,
    UNIQUE (source, target)
);
CREATE INDEX mentions_post ON mentions (post_id, status);
CREATE INDEX mentions_status ON mentions (status, received_at);

-- Webmentions this site sends: every target ever sent per post, so updates
-- and deletes re-send to all of them, removed links included.
CREATE TABLE outgoing_mentions (
    id          INTEGER PRIMARY KEY,
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    target      TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'sent', 'no-endpoint', 'failed')),
    endpoint    TEXT    NOT NULL DEFAULT '',
    http_status INTEGER NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT '',
    sent_at     INTEGER,
    updated_at  INTEGER NOT NULL,
    UNIQUE (post_id, target)
);

-- Hosts the owner trusts (mentions approved at once, awards accepted into
-- the inbox) or blocks. The hosts of followed courses are trusted too,
-- without a row here.
CREATE TABLE host_rules (
    host       TEXT    PRIMARY KEY,   -- lower-case host[:port]
    rule       TEXT    NOT NULL CHECK (rule IN ('trusted', 'blocked')),
    created_at INTEGER NOT NULL
);

-- Badge awards announced by trusted issuers' Webmentions.
CREATE TABLE awards (
    id             INTEGER PRIMARY KEY,
    mention_id     INTEGER REFERENCES mentions (id) ON DELETE SET NULL,
    source         TEXT    NOT NULL UNIQUE,   -- the issuer's award post
    issuer_name    TEXT    NOT NULL DEFAULT '',
    issuer_url     TEXT    NOT NULL DEFAULT '',
    badge_name     TEXT    NOT NULL DEFAULT '',
    badge_url      TEXT    NOT NULL DEFAULT '',
    badge_image    TEXT    NOT NULL DEFAULT '',
    evidence       TEXT    NOT NULL DEFAULT '',   -- the learner's post the badge was awarded for
    credential_url TEXT    NOT NULL DEFAULT '',
    post_id        INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    task_id        INTEGER REFERENCES tasks (id) ON DELETE SET NULL,
    state          TEXT    NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'accepted', 'dismissed')),
    received_at    INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
