import { defineConfig } from '@playwright/test';
import { ADMIN_STORAGE_STATE, PORT, TEST_ADMIN, TEST_FILES_DIR } from './test-env';

// Keeps any AWS SDK in the test processes and the server away from the EC2 metadata endpoint.
process.env.AWS_EC2_METADATA_DISABLED = 'true';

/** Port of the fake Bedrock that the server calls instead of AWS. */
const FAKE_BEDROCK_PORT = Number(process.env.GUARDIAN_TEST_FAKE_BEDROCK_PORT ?? 3199);

export default defineConfig({
  testDir: './tests',
  // The tests share one server and one organization, so they run one at a time.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    },
  },
  projects: [
    // Signs the test admin in once and stores the session cookie for the other tests.
    { name: 'sign-in', testMatch: /auth\.setup\.ts/ },
    {
      name: 'chromium',
      dependencies: ['sign-in'],
      teardown: 'leak-scan',
      use: { storageState: ADMIN_STORAGE_STATE },
    },
    // Scans the server log and data files once every browser test has run.
    { name: 'leak-scan', testMatch: /leak-scan\.teardown\.ts/ },
  ],
  webServer: [
    {
      // Built by scripts/test.sh (cargo build -p fake-bedrock); its key table is fake-bedrock.json.
      command: `../target/debug/fake-bedrock --port ${FAKE_BEDROCK_PORT} --config fake-bedrock.json`,
      port: FAKE_BEDROCK_PORT,
      reuseExistingServer: false,
      timeout: 30_000,
      env: { AWS_EC2_METADATA_DISABLED: 'true' },
    },
    {
      command: `bash ./serve-test.sh ${PORT}`,
      url: `http://127.0.0.1:${PORT}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
      // SIGTERM lets serve-test.sh stop the server and remove its throwaway data directory;
      // without it Playwright sends SIGKILL and the directory stays in /tmp.
      gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
      env: {
        AWS_EC2_METADATA_DISABLED: 'true',
        GUARDIAN_TEST_EMAIL: TEST_ADMIN.email,
        GUARDIAN_TEST_PASSWORD: TEST_ADMIN.password,
        GUARDIAN_TEST_ORG: TEST_ADMIN.organization,
        GUARDIAN_TEST_FILES: TEST_FILES_DIR,
        GUARDIAN_BEDROCK_ENDPOINT: `http://127.0.0.1:${FAKE_BEDROCK_PORT}`,
      },
    },
  ],
});
