-- eventdesk store, migration 3: the countries of each deduplicated event as link rows, so
-- `dedup_events` filtered by actor and/or recipient country is two index range scans instead
-- of a walk through every member event's roles. Kept in step with dedup_events.actor_countries
-- and recipient_countries (space-separated codes) by triggers, so every writer of
-- dedup_events (ingest, rebuild, bulk loads) fills it without knowing it exists.

CREATE TABLE dedup_countries (
    dedup_key INTEGER NOT NULL,
    role      TEXT NOT NULL,               -- actor | recipient
    country   TEXT NOT NULL,
    PRIMARY KEY (dedup_key, role, country)
) WITHOUT ROWID;
CREATE INDEX dedup_countries_country ON dedup_countries(country, role, dedup_key);

-- '"ARM AZE"' -> the JSON array ["ARM","AZE"] json_each splits (quotes and backslashes escaped)
CREATE VIEW dedup_country_rows AS
SELECT d.key AS dedup_key, 'actor' AS role, j.value AS country
FROM dedup_events d, json_each('["' || replace(replace(replace(d.actor_countries, '\', '\\'),
     '"', '\"'), ' ', '","') || '"]') j WHERE j.value <> ''
UNION ALL
SELECT d.key, 'recipient', j.value
FROM dedup_events d, json_each('["' || replace(replace(replace(d.recipient_countries, '\', '\\'),
     '"', '\"'), ' ', '","') || '"]') j WHERE j.value <> '';

INSERT OR IGNORE INTO dedup_countries (dedup_key, role, country)
SELECT dedup_key, role, country FROM dedup_country_rows;

CREATE TRIGGER dedup_countries_insert AFTER INSERT ON dedup_events BEGIN
    INSERT OR IGNORE INTO dedup_countries (dedup_key, role, country)
    SELECT dedup_key, role, country FROM dedup_country_rows WHERE dedup_key = new.key;
END;
CREATE TRIGGER dedup_countries_update
AFTER UPDATE OF actor_countries, recipient_countries ON dedup_events BEGIN
    DELETE FROM dedup_countries WHERE dedup_key = old.key;
    INSERT OR IGNORE INTO dedup_countries (dedup_key, role, country)
    SELECT dedup_key, role, country FROM dedup_country_rows WHERE dedup_key = new.key;
END;
CREATE TRIGGER dedup_countries_delete AFTER DELETE ON dedup_events BEGIN
    DELETE FROM dedup_countries WHERE dedup_key = old.key;
END;
