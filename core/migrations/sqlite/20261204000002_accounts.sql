-- Users belong to one organization with a role. Emails are stored lowercased.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    created_at BIGINT NOT NULL
);

CREATE INDEX users_org_id ON users (org_id);

-- One-time tokens that allow creating the first admin while no user exists. Each server start
-- without users adds one; only SHA-256 hashes are stored.
CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

-- Failed sign-in counters per account and per client address, shared by every replica.
CREATE TABLE login_failures (
    scope_key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_started_at BIGINT NOT NULL,
    locked_until BIGINT
);
