-- Organizations. Until accounts exist, everything belongs to the default organization (id 1).
CREATE TABLE organizations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    onboarding_completed_at BIGINT
);

INSERT INTO organizations (id, name, created_at) VALUES (1, 'default', 0);

-- One AWS access key pair per organization. The secret is stored sealed (AES-256-GCM), never in
-- plaintext; the access key ID is not a secret and is shown to the organization's users.
CREATE TABLE bedrock_keys (
    org_id INTEGER PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    access_key_id TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    saved_at BIGINT NOT NULL
);
