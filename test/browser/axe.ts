import { readFileSync } from 'node:fs';

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** What axe needs of a page: Playwright's and Puppeteer's both evaluate a string in it. */
interface Evaluates {
  evaluate(expression: string): Promise<unknown>;
}

export interface AxeOptions {
  /** Only what axe rates serious or critical (the screens whose tests have always asked that). */
  seriousOnly?: boolean;
}

/**
 * axe-core's WCAG 2.1 A/AA rules on what the page shows now, as `impact rule: targets` lines.
 * Evaluated through the debugging protocol (the app's CSP rightly refuses an injected <script>),
 * in the top document only: axe reads a frame only where its script runs too, and the app's frames
 * hold customers' HTML, not ours.
 */
export async function accessibilityViolations(page: Evaluates, options: AxeOptions = {}): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(`
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, iframes: false })
      .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`)) as Array<{
    id: string;
    impact: string;
    targets: string[];
  }>;
  return violations
    .filter((v) => !options.seriousOnly || v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.targets.join(' | ')}`);
}

/** The serious and critical violations only (see accessibilityViolations). */
export function seriousViolations(page: Evaluates): Promise<string[]> {
  return accessibilityViolations(page, { seriousOnly: true });
}
