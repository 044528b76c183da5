-- Every change to an organization's keys and every connection check. Never holds a secret.
-- Entries are only inserted; the app has no way to edit or delete them.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    occurred_at BIGINT NOT NULL,
    actor_user_id INTEGER,
    actor_email TEXT NOT NULL,
    action TEXT NOT NULL,
    access_key_id TEXT,
    previous_access_key_id TEXT,
    outcome TEXT NOT NULL
);

CREATE INDEX audit_events_org_id ON audit_events (org_id, id);
