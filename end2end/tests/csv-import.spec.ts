// Filling the key form from the CSV files that the AWS console downloads: dropped, picked with
// the file input, and pasted. The file is read in the browser and never uploaded.

import {
  expect,
  test,
  ACCESS_KEY,
  ACCESS_SECRET,
  SETTINGS_PATH,
  gotoHydrated,
  recordStoreRequests,
  resetKeys,
} from '../helpers';

const NEW_KEY_CSV = `\uFEFFAccess key ID,Secret access key\r\n${ACCESS_KEY},${ACCESS_SECRET}\r\n`;
const USER_CSV =
  'User name,Password,Access key ID,Secret access key,Console login link\n' +
  `guardian,"p,w",${ACCESS_KEY},"${ACCESS_SECRET}",https://123456789012.signin.aws.amazon.com/console\n`;

test.beforeEach(async ({ request }) => {
  await resetKeys(request);
});

test('picked csv fills both fields', async ({ page }) => {
  const store = recordStoreRequests(page);
  await gotoHydrated(page, SETTINGS_PATH);

  await page.getByLabel('Or import the .csv file from the AWS console').setInputFiles({
    name: 'guardian_accessKeys.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(NEW_KEY_CSV),
  });

  await expect(page.getByLabel('Access Key', { exact: true })).toHaveValue(ACCESS_KEY);
  await expect(page.getByLabel('Access Secret', { exact: true })).toHaveValue(ACCESS_SECRET);
  expect(store.requests).toEqual([]);
});

test('dropped csv fills both fields', async ({ page }) => {
  await gotoHydrated(page, SETTINGS_PATH);

  const dataTransfer = await page.evaluateHandle((text) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], 'credentials.csv', { type: 'text/csv' }));
    return transfer;
  }, USER_CSV);
  await page.locator('form.key-form').dispatchEvent('drop', { dataTransfer });

  await expect(page.getByLabel('Access Key', { exact: true })).toHaveValue(ACCESS_KEY);
  await expect(page.getByLabel('Access Secret', { exact: true })).toHaveValue(ACCESS_SECRET);
});

test('pasted csv fills both fields', async ({ page }) => {
  await gotoHydrated(page, SETTINGS_PATH);

  await page.getByLabel('Access Secret', { exact: true }).focus();
  await page.evaluate((text) => {
    const transfer = new DataTransfer();
    transfer.setData('text', text);
    const event = new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true });
    document.activeElement!.dispatchEvent(event);
  }, NEW_KEY_CSV);

  await expect(page.getByLabel('Access Key', { exact: true })).toHaveValue(ACCESS_KEY);
  await expect(page.getByLabel('Access Secret', { exact: true })).toHaveValue(ACCESS_SECRET);
});

test('malformed csv gets a message', async ({ page }) => {
  await gotoHydrated(page, SETTINGS_PATH);

  await page.getByLabel('Or import the .csv file from the AWS console').setInputFiles({
    name: 'people.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('name,email\nalice,alice@example.com\n'),
  });

  await expect(page.locator('#key-csv-error')).toContainText('not an AWS access key file');
  await expect(page.getByLabel('Access Key', { exact: true })).toHaveValue('');
});
