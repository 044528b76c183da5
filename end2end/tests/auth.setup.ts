// Signs the test admin in once and saves the session cookie, which every other test reuses
// through the `storageState` option of playwright.config.ts.

import { expect, test as setup } from '@playwright/test';
import { ADMIN_STORAGE_STATE, TEST_ADMIN } from '../test-env';

setup('sign in as test admin', async ({ playwright, baseURL }) => {
  const request = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { Origin: baseURL! } });
  const response = await request.post('/api/auth/login', {
    form: { email: TEST_ADMIN.email, password: TEST_ADMIN.password },
  });
  expect(response.status(), await response.text()).toBe(200);

  const me = await request.post('/api/auth/me');
  expect((await me.json())?.email).toBe(TEST_ADMIN.email);
  await request.storageState({ path: ADMIN_STORAGE_STATE });
  await request.dispose();
});
