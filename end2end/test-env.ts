// Settings shared by playwright.config.ts, serve-test.sh (through the environment) and the tests:
// the server's port, the admin account that serve-test.sh creates, and where the run keeps its
// files.

import { join } from 'node:path';

/** Port of the server that the tests start; 3000 stays free for a developer's own server. */
export const PORT = Number(process.env.GUARDIAN_TEST_PORT ?? 3100);

/**
 * Directory of the run's files: the server log, the file `data-dir` that names the server's
 * throwaway data directory, and the signed-in admin's storage state. It lies outside
 * test-results/, which every Playwright run empties when it starts, even a run that then fails
 * because the port is taken.
 */
export const TEST_FILES_DIR = process.env.GUARDIAN_TEST_FILES ?? `/tmp/guardian-e2e-files-${PORT}`;

/** The test server's log file, which serve-test.sh writes. */
export const SERVER_LOG = join(TEST_FILES_DIR, 'server.log');

/** Playwright storage state of the signed-in admin, written by tests/auth.setup.ts. */
export const ADMIN_STORAGE_STATE = join(TEST_FILES_DIR, 'admin-storage-state.json');

/** The admin account that serve-test.sh creates before the server starts. */
export const TEST_ADMIN = {
  email: 'admin@e2e.example.com',
  // A throwaway password of the throwaway test server, which listens on 127.0.0.1 only.
  password: 'correct horse battery staple e2e',
  organization: 'E2E Test Organization',
};
