// Runs after every other browser test, while the test server still runs. The server log and
// every file of the server's data directory (the SQLite database, its write-ahead log and shared
// memory) must not contain a secret that a test entered, in plaintext, URL-encoded or base64.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test as teardown } from '@playwright/test';
import { ACCESS_KEY, ALL_SECRETS, SERVER_LOG, dataDir, expect, secretForms } from '../helpers';

teardown('no secret in server log or data files', async () => {
  expect(existsSync(SERVER_LOG), `${SERVER_LOG} exists`).toBe(true);
  const dir = dataDir();
  const files = [SERVER_LOG, ...readdirSync(dir).map((name) => join(dir, name)).filter((file) => statSync(file).isFile())];
  expect(files.map((file) => file.split('/').pop())).toContain('guardian.db');

  const contents = files.map((file) => ({ file, bytes: readFileSync(file) }));
  // The access key ID is logged and stored in plaintext, so finding it shows the scan reads live data.
  expect(contents.some(({ bytes }) => bytes.includes(ACCESS_KEY)), 'the scanned files name the access key ID').toBe(true);
  for (const { file, bytes } of contents) {
    for (const secret of ALL_SECRETS) {
      for (const form of secretForms(secret)) {
        expect(bytes.includes(form.text), `${file} contains the ${form.name} secret`).toBe(false);
      }
    }
  }
});
