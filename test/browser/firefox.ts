import puppeteer, { type Browser } from 'puppeteer-core';

/**
 * Debian's Firefox ESR driven over WebDriver BiDi by puppeteer-core. Playwright drives only its own
 * patched Firefox build (which cannot be downloaded here), and its BiDi channel asks the stock
 * browser for commands it does not have yet; puppeteer's BiDi client works with it as it is.
 */
export function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr',
    headless: true,
    extraPrefsFirefox: {
      // puppeteer's test profile already turns off updates, telemetry and safe browsing; these two
      // background probes would still try to reach the internet.
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
    },
  });
}
