// The server functions as the WASM client calls them: form-urlencoded POSTs that return JSON,
// with 4xx statuses for errors that the caller can fix.

import {
  expect,
  test,
  ACCESS_KEY,
  ACCESS_SECRET,
  ALL_SECRETS,
  NEW_ACCESS_KEY,
  NEW_ACCESS_SECRET,
  resetKeys,
  saveKeysViaApi,
  SIGNED_OUT,
} from '../helpers';
import { ADMIN_STORAGE_STATE } from '../test-env';

test.beforeEach(async ({ request }) => {
  await resetKeys(request);
});

test('status without keys', async ({ request }) => {
  const response = await request.post('/api/keys/status');
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body.state).toBe('NotConfigured');
  expect(body.can_manage).toBe(true);
});

test('status with keys omits secret', async ({ request }) => {
  await saveKeysViaApi(request);
  const response = await request.post('/api/keys/status');
  expect(response.status()).toBe(200);
  const text = await response.text();
  expect(text).not.toContain(ACCESS_SECRET);
  const body = JSON.parse(text);
  expect(body.state.Configured.access_key_id).toBe(ACCESS_KEY);
  expect(typeof body.state.Configured.saved_at).toBe('number');
});

test('save returns state without secret', async ({ request }) => {
  const response = await request.post('/api/keys/save', {
    form: { access_key: ACCESS_KEY, access_secret: ACCESS_SECRET },
  });
  expect(response.status()).toBe(200);
  const text = await response.text();
  expect(text).not.toContain(ACCESS_SECRET);
  expect(JSON.parse(text).state.Configured.access_key_id).toBe(ACCESS_KEY);
});

test('invalid save returns 400 field errors', async ({ request }) => {
  // Swapped fields put the secret where the server reports an error.
  const response = await request.post('/api/keys/save', {
    form: { access_key: ACCESS_SECRET, access_secret: ACCESS_KEY },
  });
  expect(response.status()).toBe(400);
  expect(response.headers()['content-type']).toContain('application/json');
  const text = await response.text();
  expect(text).not.toContain(ACCESS_SECRET);
  expect(text).not.toContain(encodeURIComponent(ACCESS_SECRET));

  const fields: { field: string; message: string }[] = JSON.parse(text).Invalid.fields;
  expect(fields.map((error) => error.field)).toEqual(['access_key', 'access_secret']);
  expect(fields[0].message).toContain('This looks like the secret access key');
  expect(fields[1].message).toContain('This looks like the access key ID');

  const status = await request.post('/api/keys/status');
  expect((await status.json()).state).toBe('NotConfigured');
});

test('malformed save returns 400', async ({ request }) => {
  const response = await request.post('/api/keys/save', { form: { access_key: ACCESS_SECRET } });
  expect(response.status()).toBe(400);
  expect(await response.text()).not.toContain(ACCESS_SECRET);
});

test('second save returns 409', async ({ request }) => {
  await saveKeysViaApi(request);
  const response = await request.post('/api/keys/save', {
    form: { access_key: NEW_ACCESS_KEY, access_secret: NEW_ACCESS_SECRET },
  });
  expect(response.status()).toBe(409);
  const text = await response.text();
  for (const secret of ALL_SECRETS) {
    expect(text).not.toContain(secret);
  }
  const status = await request.post('/api/keys/status');
  expect((await status.json()).state.Configured.access_key_id).toBe(ACCESS_KEY);
});

test('replace swaps stored pair', async ({ request }) => {
  await saveKeysViaApi(request);
  const response = await request.post('/api/keys/replace', {
    form: { access_key: NEW_ACCESS_KEY, access_secret: NEW_ACCESS_SECRET },
  });
  expect(response.status()).toBe(200);
  expect(await response.text()).not.toContain(NEW_ACCESS_SECRET);

  const status = await request.post('/api/keys/status');
  expect((await status.json()).state.Configured.access_key_id).toBe(NEW_ACCESS_KEY);
});

test('replace without keys returns 404', async ({ request }) => {
  const response = await request.post('/api/keys/replace', {
    form: { access_key: NEW_ACCESS_KEY, access_secret: NEW_ACCESS_SECRET },
  });
  expect(response.status()).toBe(404);
  expect(response.headers()['content-type']).toContain('application/json');
  expect(await response.text()).not.toContain(NEW_ACCESS_SECRET);
});

test('delete without keys returns 404', async ({ request }) => {
  const response = await request.post('/api/keys/delete');
  expect(response.status()).toBe(404);
  expect(response.headers()['content-type']).toContain('application/json');
});

test('delete removes keys', async ({ request }) => {
  await saveKeysViaApi(request);
  const response = await request.post('/api/keys/delete');
  expect(response.status()).toBe(200);
  const status = await request.post('/api/keys/status');
  expect((await status.json()).state).toBe('NotConfigured');
});

test('responses are not cacheable', async ({ request }) => {
  await saveKeysViaApi(request);
  for (const path of ['/api/keys/status', '/settings/ai/api-keys']) {
    const response = path.startsWith('/api/') ? await request.post(path) : await request.get(path);
    expect(response.headers()['cache-control'], path).toBe('no-store');
  }
});

test('anonymous caller gets 401', async ({ playwright, baseURL }) => {
  const anonymous = await playwright.request.newContext({
    baseURL,
    storageState: SIGNED_OUT,
    extraHTTPHeaders: { Origin: baseURL! },
  });
  for (const path of ['/api/keys/status', '/api/keys/delete']) {
    const response = await anonymous.post(path);
    expect(response.status(), path).toBe(401);
    expect(response.headers()['content-type'], path).toContain('application/json');
  }
  const save = await anonymous.post('/api/keys/save', {
    form: { access_key: ACCESS_KEY, access_secret: ACCESS_SECRET },
  });
  expect(save.status()).toBe(401);
  expect(await save.text()).not.toContain(ACCESS_SECRET);
  await anonymous.dispose();
});

test('anonymous page visit goes to sign-in', async ({ playwright, baseURL }) => {
  const anonymous = await playwright.request.newContext({ baseURL, storageState: SIGNED_OUT });
  const response = await anonymous.get('/settings/ai/api-keys', { maxRedirects: 0 });
  expect(response.status()).toBeGreaterThanOrEqual(300);
  expect(response.status()).toBeLessThan(400);
  expect(response.headers()['location']).toBe('/login?next=%2Fsettings%2Fai%2Fapi-keys');
  await anonymous.dispose();
});

test('cross-origin post is rejected', async ({ playwright, baseURL, request }) => {
  await saveKeysViaApi(request);
  // Another port on the same host is another origin.
  const crossOrigin = await playwright.request.newContext({
    baseURL,
    storageState: ADMIN_STORAGE_STATE,
    extraHTTPHeaders: { Origin: 'http://127.0.0.1:9' },
  });
  const response = await crossOrigin.post('/api/keys/delete');
  expect(response.status()).toBe(403);
  await crossOrigin.dispose();

  const status = await request.post('/api/keys/status');
  expect((await status.json()).state.Configured.access_key_id).toBe(ACCESS_KEY);
});
