// Unit tests for static/agent.js detectAgent(), the player page's browser/OS/device detection.
// Run: node --test test/e2e/agent.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { detectAgent } = require('../../static/agent.js');

const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  chromeMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  chromeLinux:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  chromeAndroidPhone:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  chromeAndroidTablet:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  chromeOS:
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  chromeIPhone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
  edgeAndroid:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 EdgA/124.0.2478.64',
  operaWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/110.0.0.0',
  samsungAndroid:
    'Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  firefoxMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  firefoxUbuntu: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  firefoxAndroidPhone: 'Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0',
  firefoxAndroidTablet: 'Mozilla/5.0 (Android 14; Tablet; rv:125.0) Gecko/125.0 Firefox/125.0',
  firefoxIPhone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  safariIPhone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
  safariIPad:
    'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  iPhoneWebView:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  headlessLinux:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36',
  ie11: 'Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko'
};

// Only Chromium browsers expose navigator.userAgentData (UA-CH low-entropy values).
const brands = (...names) => names.map((brand) => ({ brand, version: '124' }));
const UAD = {
  chromeWindows: { brands: brands('Chromium', 'Google Chrome', 'Not-A.Brand'), mobile: false, platform: 'Windows' },
  chromeGreaseFirst: { brands: brands('Not A(Brand', 'Chromium', 'Google Chrome'), mobile: false, platform: 'macOS' },
  chromeAndroidPhone: { brands: brands('Google Chrome', 'Not;A=Brand', 'Chromium'), mobile: true, platform: 'Android' },
  chromeAndroidTablet: { brands: brands('Chromium', 'Google Chrome', 'Not)A;Brand'), mobile: false, platform: 'Android' },
  chromeOS: { brands: brands('Not_A Brand', 'Google Chrome', 'Chromium'), mobile: false, platform: 'Chrome OS' },
  edgeWindows: { brands: brands('Chromium', 'Microsoft Edge', 'Not/A)Brand'), mobile: false, platform: 'Windows' },
  operaWindows: { brands: brands('Opera', 'Chromium', 'Not:A-Brand'), mobile: false, platform: 'Windows' },
  braveLinux: { brands: brands('Brave', 'Chromium', 'Not.A/Brand'), mobile: false, platform: 'Linux' },
  samsung: { brands: brands('Samsung Internet', 'Chromium', 'Not?A_Brand'), mobile: true, platform: 'Android' },
  chromiumOnly: { brands: brands('Chromium', 'Not A;Brand'), mobile: false, platform: 'Linux' },
  greaseOnly: { brands: brands('Not A;Brand', 'Not)A;Brand', ' Not;A Brand'), mobile: false, platform: '' },
  empty: { brands: [], mobile: false, platform: '' }
};

const cases = [
  // [name, userAgent, userAgentData, extra, expected]
  ['Chrome on Windows (UA only)', UA.chromeWindows, undefined, undefined, ['Windows', 'Google Chrome', 'Desktop']],
  ['Chrome on Windows (UA-CH)', UA.chromeWindows, UAD.chromeWindows, undefined, ['Windows', 'Google Chrome', 'Desktop']],
  ['Chrome on macOS, GREASE brand first', UA.chromeMac, UAD.chromeGreaseFirst, undefined, ['macOS', 'Google Chrome', 'Desktop']],
  ['Chrome on Linux (UA only)', UA.chromeLinux, undefined, undefined, ['Linux', 'Google Chrome', 'Desktop']],
  ['Chrome on an Android phone (UA-CH)', UA.chromeAndroidPhone, UAD.chromeAndroidPhone, undefined, ['Android', 'Google Chrome', 'Mobile']],
  ['Chrome on an Android phone (UA only)', UA.chromeAndroidPhone, undefined, undefined, ['Android', 'Google Chrome', 'Mobile']],
  ['Chrome on an Android tablet (UA-CH)', UA.chromeAndroidTablet, UAD.chromeAndroidTablet, undefined, ['Android', 'Google Chrome', 'Tablet']],
  ['Chrome on an Android tablet (UA only)', UA.chromeAndroidTablet, undefined, undefined, ['Android', 'Google Chrome', 'Tablet']],
  ['Chrome on ChromeOS (UA-CH)', UA.chromeOS, UAD.chromeOS, undefined, ['ChromeOS', 'Google Chrome', 'Desktop']],
  ['Chrome on ChromeOS (UA only)', UA.chromeOS, undefined, undefined, ['ChromeOS', 'Google Chrome', 'Desktop']],
  ['Chrome on iPhone', UA.chromeIPhone, undefined, undefined, ['iOS', 'Google Chrome', 'Mobile']],
  ['Edge on Windows (UA-CH)', UA.edgeWindows, UAD.edgeWindows, undefined, ['Windows', 'Microsoft Edge', 'Desktop']],
  ['Edge on Windows (UA only)', UA.edgeWindows, undefined, undefined, ['Windows', 'Microsoft Edge', 'Desktop']],
  ['Edge on Android (UA only)', UA.edgeAndroid, undefined, undefined, ['Android', 'Microsoft Edge', 'Mobile']],
  ['Opera on Windows (UA-CH)', UA.operaWindows, UAD.operaWindows, undefined, ['Windows', 'Opera', 'Desktop']],
  ['Opera on Windows (UA only)', UA.operaWindows, undefined, undefined, ['Windows', 'Opera', 'Desktop']],
  ['Opera, brands say only Chromium', UA.operaWindows, UAD.chromiumOnly, undefined, ['Linux', 'Opera', 'Desktop']],
  ['Brave on Linux (UA-CH; its UA is Chrome\'s)', UA.chromeLinux, UAD.braveLinux, undefined, ['Linux', 'Brave', 'Desktop']],
  ['Samsung Internet (UA-CH)', UA.samsungAndroid, UAD.samsung, undefined, ['Android', 'Samsung Internet', 'Mobile']],
  ['Samsung Internet (UA only)', UA.samsungAndroid, undefined, undefined, ['Android', 'Samsung Internet', 'Mobile']],
  ['Chromium (brands: Chromium only)', UA.chromeLinux, UAD.chromiumOnly, undefined, ['Linux', 'Chromium', 'Desktop']],
  ['Firefox on Windows', UA.firefoxWindows, undefined, undefined, ['Windows', 'Firefox', 'Desktop']],
  ['Firefox on macOS', UA.firefoxMac, undefined, undefined, ['macOS', 'Firefox', 'Desktop']],
  ['Firefox on Linux', UA.firefoxLinux, undefined, undefined, ['Linux', 'Firefox', 'Desktop']],
  ['Firefox on Ubuntu', UA.firefoxUbuntu, undefined, undefined, ['Linux', 'Firefox', 'Desktop']],
  ['Firefox on an Android phone', UA.firefoxAndroidPhone, undefined, undefined, ['Android', 'Firefox', 'Mobile']],
  ['Firefox on an Android tablet', UA.firefoxAndroidTablet, undefined, undefined, ['Android', 'Firefox', 'Tablet']],
  ['Firefox on iPhone', UA.firefoxIPhone, undefined, undefined, ['iOS', 'Firefox', 'Mobile']],
  ['Safari on macOS', UA.safariMac, undefined, undefined, ['macOS', 'Safari', 'Desktop']],
  ['Safari on macOS, no touch', UA.safariMac, undefined, { maxTouchPoints: 0 }, ['macOS', 'Safari', 'Desktop']],
  ['Safari on iPad in desktop mode', UA.safariMac, undefined, { maxTouchPoints: 5 }, ['iPadOS', 'Safari', 'Tablet']],
  ['Safari on iPhone', UA.safariIPhone, undefined, undefined, ['iOS', 'Safari', 'Mobile']],
  ['Safari on iPad', UA.safariIPad, undefined, undefined, ['iPadOS', 'Safari', 'Tablet']],
  ['In-app web view on iPhone', UA.iPhoneWebView, undefined, undefined, ['iOS', 'Safari', 'Mobile']],
  ['Headless Chromium (UA only)', UA.headlessLinux, undefined, undefined, ['Linux', 'HeadlessChrome', 'Desktop']],
  ['Internet Explorer 11', UA.ie11, undefined, undefined, ['Windows', 'Internet Explorer', 'Desktop']],
  ['GREASE-only brands fall back to the UA string', UA.chromeWindows, UAD.greaseOnly, undefined, ['Windows', 'Google Chrome', 'Desktop']],
  ['GREASE-only brands, empty UA', '', UAD.greaseOnly, undefined, ['Unknown', 'Unknown', 'Desktop']],
  ['Empty brand list falls back to the UA string', UA.edgeWindows, UAD.empty, undefined, ['Windows', 'Microsoft Edge', 'Desktop']],
  ['Nothing known', '', undefined, undefined, ['Unknown', 'Unknown', 'Desktop']]
];

for (const [name, ua, uad, extra, [os, browser, device]] of cases) {
  test(name, () => {
    assert.deepEqual(detectAgent(ua, uad, extra), { os, browser, device });
  });
}

test('never reports a GREASE brand, whatever its spelling', () => {
  const grease = ['Not A;Brand', 'Not)A;Brand', 'Not_A Brand', 'Not/A)Brand', 'Not.A/Brand', '(Not(A:Brand', 'Not=A?Brand', 'NotA Brand'];
  for (const g of grease) {
    const got = detectAgent('', { brands: [{ brand: g, version: '99' }], mobile: false, platform: 'Windows' });
    assert.doesNotMatch(got.browser, /not.?a.?brand/i, `reported GREASE brand ${g}`);
  }
});

test('a specific brand wins over Chromium in any order', () => {
  for (const list of [['Chromium', 'Microsoft Edge'], ['Microsoft Edge', 'Chromium'], ['Not A;Brand', 'Chromium', 'Microsoft Edge']]) {
    assert.equal(detectAgent('', { brands: brands(...list), mobile: false, platform: 'Windows' }).browser, 'Microsoft Edge');
  }
});

test('an unknown vendor brand is kept, clipped to 64 characters', () => {
  const long = 'Some Very Long Vendor Browser Name '.repeat(4);
  const got = detectAgent('', { brands: brands('Chromium', long), mobile: false, platform: 'Linux' });
  assert.equal(got.browser.length, 64);
  assert.ok(long.startsWith(got.browser));
});

test('tolerates malformed input', () => {
  assert.deepEqual(detectAgent(undefined, null), { os: 'Unknown', browser: 'Unknown', device: 'Desktop' });
  assert.deepEqual(detectAgent(42, { brands: 'nope', platform: 7 }), { os: 'Unknown', browser: 'Unknown', device: 'Desktop' });
  assert.deepEqual(detectAgent('', { brands: [null, {}, { brand: 3 }] }), { os: 'Unknown', browser: 'Unknown', device: 'Desktop' });
});

test('every value fits the heartbeat contract (string, 1..64 characters)', () => {
  for (const [, ua, uad, extra] of cases) {
    const got = detectAgent(ua, uad, extra);
    for (const key of ['os', 'browser', 'device']) {
      assert.equal(typeof got[key], 'string');
      assert.ok(got[key].length >= 1 && got[key].length <= 64, `${key}=${got[key]}`);
    }
  }
});
