/*
 * streampulse: what browser, operating system and kind of device a player runs on.
 *
 * detectAgent(userAgent, userAgentData, extra) -> {os, browser, device}
 *
 *   userAgent      navigator.userAgent (string, may be empty)
 *   userAgentData  navigator.userAgentData or undefined (only Chromium browsers have it):
 *                  {brands: [{brand, version}], mobile: boolean, platform: string}
 *   extra          optional {maxTouchPoints}: tells an iPad in "desktop mode" (which claims
 *                  to be a Mac) from a real Mac
 *
 * A pure function with no access to the browser, so it runs in node for the unit tests
 * (test/e2e/agent.test.mjs). In the page it is window.detectAgent; in node it is
 * require('static/agent.js').detectAgent.
 *
 * Names:  browser  Google Chrome, Microsoft Edge, Opera, Brave, Samsung Internet, Firefox,
 *                  Safari, Chromium, ... (a specific brand wins over "Chromium"; GREASE brands
 *                  such as "Not A;Brand" are never reported)
 *         os       Windows, macOS, iOS, iPadOS, Android, Linux, ChromeOS
 *         device   Mobile, Tablet, Desktop
 * Anything that cannot be told is "Unknown". Every value is at most 64 characters.
 */
(function (root) {
  'use strict';

  var MAX_LEN = 64;
  var UNKNOWN = 'Unknown';

  // Chromium's GREASE brands: "Not A;Brand", "Not)A;Brand", "Not_A Brand", "Not/A)Brand"...
  var GREASE = /not.?a.?brand/i;

  // Brand names as Chromium browsers announce them in userAgentData -> the name we report.
  var BRAND_NAMES = {
    'google chrome': 'Google Chrome',
    'microsoft edge': 'Microsoft Edge',
    'opera': 'Opera',
    'opera gx': 'Opera GX',
    'brave': 'Brave',
    'samsung internet': 'Samsung Internet',
    'yandex': 'Yandex Browser',
    'vivaldi': 'Vivaldi',
    'duckduckgo': 'DuckDuckGo',
    'chromium': 'Chromium',
    'headlesschrome': 'HeadlessChrome'
  };

  // userAgentData.platform -> our OS name.
  var PLATFORM_NAMES = {
    'windows': 'Windows',
    'macos': 'macOS',
    'ios': 'iOS',
    'ipados': 'iPadOS',
    'android': 'Android',
    'linux': 'Linux',
    'chrome os': 'ChromeOS',
    'chromeos': 'ChromeOS',
    'chromium os': 'ChromeOS'
  };

  // Browser tokens in a user-agent string, most specific first: many browsers also
  // carry "Chrome/" and "Safari/", so order matters.
  var UA_BROWSERS = [
    [/\bEdg(?:e|A|iOS)?\//, 'Microsoft Edge'],
    [/\bOPR\/|\bOPT\/|\bOPiOS\/|\bOpera\b/, 'Opera'],
    [/\bSamsungBrowser\//, 'Samsung Internet'],
    [/\bYaBrowser\//, 'Yandex Browser'],
    [/\bVivaldi\//, 'Vivaldi'],
    [/\bDuckDuckGo\/|\bDdg\//, 'DuckDuckGo'],
    [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
    [/\bHeadlessChrome\//, 'HeadlessChrome'],
    [/\bCriOS\//, 'Google Chrome'],
    [/\bChromium\//, 'Chromium'],
    [/\bChrome\//, 'Google Chrome'],
    [/\bVersion\/[\d.]+.*\bSafari\/|\b(?:iPhone|iPad|iPod)\b.*\bAppleWebKit\//, 'Safari'],
    [/\bMSIE |\bTrident\//, 'Internet Explorer']
  ];

  function clip(s) {
    s = String(s).trim();
    return s.length > MAX_LEN ? s.slice(0, MAX_LEN) : s;
  }

  function isGrease(brand) {
    return GREASE.test(brand);
  }

  // The most specific real brand in userAgentData.brands, or '' when there is none.
  function browserFromBrands(brands) {
    if (!Array.isArray(brands)) return '';
    var real = [];
    for (var i = 0; i < brands.length; i++) {
      var b = brands[i] && typeof brands[i].brand === 'string' ? brands[i].brand.trim() : '';
      if (b && !isGrease(b)) real.push(b);
    }
    if (real.length === 0) return '';
    var specific = null;
    for (var j = 0; j < real.length; j++) {
      var key = real[j].toLowerCase();
      if (key !== 'chromium') {
        // A brand we know beats one we do not (e.g. a vendor adding two brands).
        if (BRAND_NAMES[key]) return BRAND_NAMES[key];
        if (specific === null) specific = real[j];
      }
    }
    return specific !== null ? specific : 'Chromium';
  }

  function browserFromUserAgent(ua) {
    for (var i = 0; i < UA_BROWSERS.length; i++) {
      if (UA_BROWSERS[i][0].test(ua)) return UA_BROWSERS[i][1];
    }
    return '';
  }

  function osFromUserAgent(ua, maxTouchPoints) {
    if (/\bWindows\b/.test(ua)) return 'Windows';
    if (/\bCrOS\b/.test(ua)) return 'ChromeOS';
    if (/\biPad\b/.test(ua)) return 'iPadOS';
    if (/\b(?:iPhone|iPod)\b/.test(ua)) return 'iOS';
    if (/\bAndroid\b/.test(ua)) return 'Android';
    if (/\bMac OS X\b|\bMacintosh\b/.test(ua)) {
      // iPadOS 13+ Safari asks for desktop sites and says "Macintosh"; Macs have no touch screen.
      return maxTouchPoints > 1 ? 'iPadOS' : 'macOS';
    }
    if (/\bLinux\b|\bX11\b/.test(ua)) return 'Linux';
    return '';
  }

  function deviceFromUserAgent(ua, os) {
    if (os === 'iPadOS' || /\bTablet\b/i.test(ua)) return 'Tablet';
    if (os === 'iOS' || /\bMobi/.test(ua)) return 'Mobile';
    if (os === 'Android') return 'Tablet'; // Android without "Mobile" is a tablet by Google's convention
    return 'Desktop';
  }

  function detectAgent(userAgent, userAgentData, extra) {
    var ua = typeof userAgent === 'string' ? userAgent : '';
    var uad = userAgentData && typeof userAgentData === 'object' ? userAgentData : null;
    var maxTouchPoints = extra && typeof extra.maxTouchPoints === 'number' ? extra.maxTouchPoints : 0;

    // Browser: userAgentData brands first (they name Chromium forks the UA string hides),
    // the UA string otherwise, and also when the brands only say "Chromium" (then the UA
    // string may still name the fork, e.g. "OPR/").
    var browser = uad ? browserFromBrands(uad.brands) : '';
    var fromUa = browserFromUserAgent(ua);
    if (browser === 'Chromium' && fromUa && fromUa !== 'Google Chrome') browser = fromUa;
    if (!browser) browser = fromUa;

    // OS: userAgentData.platform when it says something, the UA string otherwise.
    var os = '';
    if (uad && typeof uad.platform === 'string') {
      os = PLATFORM_NAMES[uad.platform.trim().toLowerCase()] || '';
    }
    var osFromUa = osFromUserAgent(ua, maxTouchPoints);
    if (!os || (os === 'macOS' && osFromUa === 'iPadOS')) os = osFromUa;

    // Device: userAgentData.mobile is authoritative for phones; Chromium on an Android
    // tablet says mobile=false.
    var device;
    if (uad && typeof uad.mobile === 'boolean') {
      if (uad.mobile) device = 'Mobile';
      else if (os === 'Android' || os === 'iPadOS') device = 'Tablet';
      else device = 'Desktop';
    } else {
      device = deviceFromUserAgent(ua, os);
    }

    return {
      os: clip(os || UNKNOWN),
      browser: clip(browser || UNKNOWN),
      device: clip(device || UNKNOWN)
    };
  }

  root.detectAgent = detectAgent;
  if (typeof module === 'object' && module && module.exports) {
    module.exports = { detectAgent: detectAgent };
  }
})(typeof globalThis !== 'undefined' ? globalThis : this);
