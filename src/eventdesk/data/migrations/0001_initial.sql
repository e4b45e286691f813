-- eventdesk store, migration 1: every table of the eventdesk/1 contract.
-- Derived rows hang off articles(key) with ON DELETE CASCADE, so replacing an article's
-- extraction is "delete its rows, insert the new ones" inside one transaction.
-- Every derived row also keeps its full eventdesk/1 JSON object in `data`, so fields the
-- pipeline adds later are stored without a schema change.

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL,            -- running | done | interrupted | failed
    command     TEXT,
    model       TEXT,
    version     TEXT,
    seen        INTEGER NOT NULL DEFAULT 0,
    stored      INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE articles (
    key             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,  -- input id, else URL, else sha256:<text hash>
    text_hash       TEXT NOT NULL,         -- hash of the input the extraction came from
    extraction_hash TEXT NOT NULL,         -- hash of the stored eventdesk/1 object
    schema          TEXT NOT NULL,
    title           TEXT,
    source          TEXT,
    source_key      TEXT NOT NULL,         -- source, else URL host, else id: NumSources counts these
    url             TEXT,
    published       TEXT,
    language        TEXT,
    body            TEXT NOT NULL,
    captions        TEXT NOT NULL DEFAULT '[]',
    related         TEXT NOT NULL DEFAULT '[]',
    extra           TEXT,                  -- article fields beyond eventdesk/1, as JSON
    n_entities      INTEGER NOT NULL DEFAULT 0,
    n_quotes        INTEGER NOT NULL DEFAULT 0,
    n_times         INTEGER NOT NULL DEFAULT 0,
    n_places        INTEGER NOT NULL DEFAULT 0,
    n_events        INTEGER NOT NULL DEFAULT 0,
    run_id          INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    stored_at       TEXT NOT NULL
);
CREATE INDEX articles_published ON articles(published);

CREATE TABLE entities (
    key         INTEGER PRIMARY KEY,
    article_key INTEGER NOT NULL REFERENCES articles(key) ON DELETE CASCADE,
    local_id    TEXT NOT NULL,
    name        TEXT NOT NULL,
    type        TEXT,
    country     TEXT,
    role        TEXT,
    sector      TEXT,
    n_mentions  INTEGER NOT NULL DEFAULT 0,
    data        TEXT NOT NULL,
    UNIQUE (article_key, local_id)
);
CREATE INDEX entities_name ON entities(name COLLATE NOCASE);
CREATE INDEX entities_country ON entities(country);

CREATE TABLE mentions (                    -- entity and place mentions, one row per span
    key         INTEGER PRIMARY KEY,
    article_key INTEGER NOT NULL REFERENCES articles(key) ON DELETE CASCADE,
    owner       TEXT NOT NULL,             -- E1 / P1: the entity or place it belongs to
    kind        TEXT NOT NULL,             -- entity | place
    start       INTEGER NOT NULL,
    "end"       INTEGER NOT NULL,
    text        TEXT NOT NULL,
    in_title    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX mentions_article ON mentions(article_key, owner);

CREATE TABLE quotes (
    key             INTEGER PRIMARY KEY,
    article_key     INTEGER NOT NULL REFERENCES articles(key) ON DELETE CASCADE,
    local_id        TEXT NOT NULL,
    kind            TEXT,
    text            TEXT NOT NULL,
    start           INTEGER,
    "end"           INTEGER,
    in_title        INTEGER NOT NULL DEFAULT 0,
    speaker         TEXT,                  -- entity local id
    speaker_name    TEXT,                  -- that entity's canonical name
    speaker_country TEXT,
    speaker_text    TEXT,
    cue             TEXT,
    date            TEXT,
    data            TEXT NOT NULL,
    UNIQUE (article_key, local_id)
);
CREATE INDEX quotes_speaker ON quotes(speaker_name COLLATE NOCASE);
CREATE INDEX quotes_date ON quotes(date);

CREATE TABLE times (
    key         INTEGER PRIMARY KEY,
    article_key INTEGER NOT NULL REFERENCES articles(key) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    text        TEXT NOT NULL,
    start       INTEGER,
    "end"       INTEGER,
    in_title    INTEGER NOT NULL DEFAULT 0,
    value       TEXT,
    kind        TEXT,
    data        TEXT NOT NULL,
    UNIQUE (article_key, seq)
);

CREATE TABLE places (
    key         INTEGER PRIMARY KEY,
    article_key INTEGER NOT NULL REFERENCES articles(key) ON DELETE CASCADE,
    local_id    TEXT NOT NULL,
    name        TEXT NOT NULL,
    country     TEXT,
    lat         REAL,
    lon         REAL,
    geonameid   INTEGER,
    feature     TEXT,
    admin1      TEXT,
    entity      TEXT,
    data        TEXT NOT NULL,
    UNIQUE (article_key, local_id)
);
CREATE INDEX places_name ON places(name COLLATE NOCASE);

CREATE TABLE dedup_events (                -- one row per real-world event, across articles
    key                 INTEGER PRIMARY KEY,
    type                TEXT NOT NULL,
    negated             INTEGER NOT NULL DEFAULT 0,
    hypothetical        INTEGER NOT NULL DEFAULT 0,
    date_first          TEXT,
    date_last           TEXT,
    actor_countries     TEXT NOT NULL DEFAULT '',
    recipient_countries TEXT NOT NULL DEFAULT '',
    location            TEXT,
    country             TEXT,
    geonameid           INTEGER,
    feature             TEXT,
    latitude            REAL,
    longitude           REAL,
    num_mentions        INTEGER NOT NULL DEFAULT 0,
    num_articles        INTEGER NOT NULL DEFAULT 0,
    num_sources         INTEGER NOT NULL DEFAULT 0,
    sources             TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX dedup_events_type_date ON dedup_events(type, date_first);
CREATE INDEX dedup_events_date ON dedup_events(date_first);

CREATE TABLE events (                      -- raw per-article events, flat for GDELT/ACLED users
    key                  INTEGER PRIMARY KEY,
    uid                  TEXT NOT NULL UNIQUE,
    article_key          INTEGER NOT NULL REFERENCES articles(key) ON DELETE CASCADE,
    local_id             TEXT NOT NULL,
    dedup_key            INTEGER REFERENCES dedup_events(key) ON DELETE SET NULL,
    type                 TEXT NOT NULL,
    mode                 TEXT,
    contexts             TEXT,
    cameo                TEXT,
    quad                 TEXT,
    quad_class           INTEGER,
    date                 TEXT,
    date_source          TEXT,
    actor1               TEXT,
    actor1_country       TEXT,
    actor1_sector        TEXT,
    assoc_actor_1        TEXT,
    actor2               TEXT,
    actor2_country       TEXT,
    actor2_sector        TEXT,
    assoc_actor_2        TEXT,
    mediators            TEXT,
    actor_countries      TEXT NOT NULL DEFAULT '',
    recipient_countries  TEXT NOT NULL DEFAULT '',
    place_id             TEXT,
    location             TEXT,
    country              TEXT,
    admin1               TEXT,
    latitude             REAL,
    longitude            REAL,
    geonameid            INTEGER,
    feature              TEXT,
    fatalities           INTEGER,
    fatalities_qualifier TEXT,
    injured              INTEGER,
    size                 INTEGER,
    arrested             INTEGER,
    negated              INTEGER NOT NULL DEFAULT 0,
    hypothetical         INTEGER NOT NULL DEFAULT 0,
    quote                TEXT,
    confidence           REAL,
    trigger              TEXT,
    trigger_start        INTEGER,
    trigger_end          INTEGER,
    trigger_in_title     INTEGER NOT NULL DEFAULT 0,
    sentence             TEXT,
    sentence_start       INTEGER,
    sentence_end         INTEGER,
    n_mentions           INTEGER NOT NULL DEFAULT 1,
    data                 TEXT NOT NULL,
    UNIQUE (article_key, local_id)
);
CREATE INDEX events_date ON events(date);
CREATE INDEX events_type_date ON events(type, date);
CREATE INDEX events_dedup ON events(dedup_key);
CREATE INDEX events_location ON events(location COLLATE NOCASE);

CREATE TABLE event_roles (                 -- actors, recipients and mediators as link rows
    event_key INTEGER NOT NULL REFERENCES events(key) ON DELETE CASCADE,
    role      TEXT NOT NULL,               -- actor | recipient | mediator
    position  INTEGER NOT NULL,
    entity    TEXT NOT NULL,               -- entity local id in the article
    name      TEXT,
    country   TEXT,
    sector    TEXT,
    PRIMARY KEY (event_key, role, position)
) WITHOUT ROWID;
CREATE INDEX event_roles_country ON event_roles(country, role, event_key);
CREATE INDEX event_roles_name ON event_roles(name COLLATE NOCASE, event_key);

CREATE TABLE event_mentions (              -- each telling of an event in its article
    event_key INTEGER NOT NULL REFERENCES events(key) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,            -- 0 is the trigger, then Event.mentions in order
    start     INTEGER NOT NULL,
    "end"     INTEGER NOT NULL,
    text      TEXT NOT NULL,
    in_title  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_key, seq)
) WITHOUT ROWID;

CREATE TABLE failures (
    key     INTEGER PRIMARY KEY,
    item    TEXT NOT NULL UNIQUE,          -- article identity, or "FILE line N"
    reason  TEXT NOT NULL,
    message TEXT NOT NULL,
    run_id  INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    at      TEXT NOT NULL
);

CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='articles', content_rowid='key');
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.key, new.title, new.body);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body)
    VALUES ('delete', old.key, old.title, old.body);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body)
    VALUES ('delete', old.key, old.title, old.body);
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.key, new.title, new.body);
END;

CREATE VIRTUAL TABLE quotes_fts USING fts5(text, speaker_name, content='quotes', content_rowid='key');
CREATE TRIGGER quotes_fts_insert AFTER INSERT ON quotes BEGIN
    INSERT INTO quotes_fts(rowid, text, speaker_name) VALUES (new.key, new.text, new.speaker_name);
END;
CREATE TRIGGER quotes_fts_delete AFTER DELETE ON quotes BEGIN
    INSERT INTO quotes_fts(quotes_fts, rowid, text, speaker_name)
    VALUES ('delete', old.key, old.text, old.speaker_name);
END;
