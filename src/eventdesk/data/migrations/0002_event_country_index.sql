-- eventdesk store, migration 2: `--place AZE` filters events by the place's country;
-- with this index SQLite answers `location = ? OR country = ?` from two indexes.
CREATE INDEX events_country ON events(country);
CREATE INDEX dedup_events_country ON dedup_events(country);
CREATE INDEX dedup_events_location ON dedup_events(location COLLATE NOCASE);
