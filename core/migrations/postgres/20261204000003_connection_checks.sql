-- PostgreSQL twin of migrations/sqlite/20261204000003_connection_checks.sql.

-- When Guardian last called Bedrock with the organization's own keys.
ALTER TABLE bedrock_keys ADD COLUMN last_used_at BIGINT;

-- The latest connection check per organization. The message is the text shown to admins; it
-- never contains a secret.
CREATE TABLE connection_checks (
    org_id BIGINT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    outcome TEXT NOT NULL,
    -- 0 or 1, as in the SQLite schema, so both engines decode it as an integer.
    succeeded BIGINT NOT NULL,
    message TEXT NOT NULL,
    credential_source TEXT NOT NULL,
    access_key_id TEXT,
    checked_at BIGINT NOT NULL
);

-- Fixed-window request counters (connection checks, Guardian questions) shared by replicas.
CREATE TABLE rate_limits (
    scope_key TEXT PRIMARY KEY,
    window_started_at BIGINT NOT NULL,
    requests BIGINT NOT NULL
);
