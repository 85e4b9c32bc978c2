// The privacy-audit report opened in headless Chromium and looked at: it must render without errors
// or network requests, with its sections, four drawn charts, a full summary table and no horizontal
// overflow outside the table's scroll wrapper; and its screenshots must be real, non-blank pictures.
//
// Needs a Chromium binary: CHROMIUM_PATH, else /usr/bin/chromium (the Debian package `chromium`,
// which .ci/run installs). playwright-core drives it and never downloads a browser of its own.
// Without Chromium this test fails (it is never skipped). Set REPORT_SCREENSHOT=/some/file.png to
// keep a copy of the full-page screenshot for a human to look at.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../browser.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/audit/experiment.js';
import { renderReport } from '../../src/audit/report.js';
import { synthetic } from '../../src/data/synthetic.js';

const VIEWPORT = { width: 1280, height: 900 };
// The h2 sections, by the words their headings are expected to keep.
const EXPECTED_SECTIONS = [/^retrain dynamics/i, /^untrain dynamics/i, /^membership inference/i, /^vulnerability/i, /\bKS\b/, /^summary/i];

// ---------------------------------------------------------------------------------------------
// A minimal PNG reader (8-bit greyscale/RGB/RGBA, not interlaced: what Chromium writes), enough to
// tell a drawn chart from a blank rectangle.

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Png { width: number; height: number; channels: number; pixels: Uint8Array }

function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 8).equals(PNG_SIGNATURE), 'PNG signature').toBe(true);
  expect(buf.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

function decodePng(buf: Buffer): Png {
  const { width, height } = pngSize(buf);
  const bitDepth = buf[24];
  const colourType = buf[25];
  const interlace = buf[28];
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colourType];
  if (bitDepth !== 8 || channels === undefined || interlace !== 0) {
    throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colourType}, interlace ${interlace}`);
  }
  const idat: Buffer[] = [];
  for (let p = 8; p < buf.length;) {
    const len = buf.readUInt32BE(p);
    const type = buf.toString('latin1', p + 4, p + 8);
    if (type === 'IDAT') idat.push(buf.subarray(p + 8, p + 8 + len));
    if (type === 'IEND') break;
    p += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  expect(raw.length).toBe(height * (stride + 1));
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[row + x - channels] : 0;
      const b = y > 0 ? out[row - stride + x] : 0;
      const c = x >= channels && y > 0 ? out[row - stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a); const pb = Math.abs(p - b); const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter}`);
      out[row + x] = v & 255;
    }
  }
  return { width, height, channels, pixels: out };
}

/** Distinct colours, and the share of pixels that are not (near) white. */
function inkStats(png: Png): { colours: number; ink: number } {
  const colours = new Set<number>();
  let ink = 0;
  const n = png.width * png.height;
  for (let i = 0; i < n; i++) {
    const o = i * png.channels;
    const r = png.pixels[o];
    const g = png.channels >= 3 ? png.pixels[o + 1] : r;
    const b = png.channels >= 3 ? png.pixels[o + 2] : r;
    colours.add((r << 16) | (g << 8) | b);
    if (r < 235 || g < 235 || b < 235) ink++;
  }
  return { colours: colours.size, ink: ink / n };
}

// ---------------------------------------------------------------------------------------------

describe('privacy-audit report in headless Chromium', () => {
  let dir = '';
  let fileUrl = '';
  let summaryRows = 0;
  let browser: Browser | undefined;
  let page: Page;
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const requests: string[] = [];
  const failedRequests: string[] = [];

  // A failing beforeAll makes vitest report the tests as skipped; keep its error and fail each test
  // with it instead, so that a machine without Chromium shows failures, never skips.
  let setupError: unknown;
  beforeEach(() => {
    if (setupError) throw setupError;
  });

  beforeAll(async () => {
    try {
      await setUp();
    } catch (e) {
      setupError = e;
    }
  });

  async function setUp(): Promise<void> {
    // Real results from a tiny experiment (not hand-built: the results type belongs to the experiment).
    const data = synthetic({ users: 200, items: 120, interactions: 4000, seed: 1 });
    const results = await runExperiment(data, 'synthetic', {
      model: { factors: 8, iterations: 200 },
      fractions: [0.05, 0.2],
      scenarios: ['uniform', 'user'],
      runs: 2,
      tol: 1e-3,
    });
    summaryRows = results.summary.length;
    const html = await renderReport(results);

    dir = mkdtempSync(join(tmpdir(), 'untrain-als-report-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, html);
    fileUrl = pathToFileURL(file).href;

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    // Every request is seen; anything but the report file itself is recorded and refused.
    context.on('request', (r) => requests.push(r.url()));
    context.on('requestfailed', (r) => failedRequests.push(`${r.url()}: ${r.failure()?.errorText}`));
    await context.route('**/*', (route) => (route.request().url() === fileUrl ? route.continue() : route.abort()));
    page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const response = await page.goto(fileUrl, { waitUntil: 'load' });
    if (response !== null && !response.ok()) throw new Error(`loading ${fileUrl}: status ${response.status()}`);
  }

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads with no console or page errors and requests nothing but the file itself', async () => {
    await page.waitForLoadState('networkidle');
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
    expect(requests.filter((u) => u !== fileUrl)).toEqual([]);
    expect(await page.locator('script').count()).toBe(0);
  });

  it('has a title, an h1 and the expected h2 sections', async () => {
    expect(await page.title()).toMatch(/privacy audit/);
    expect(await page.locator('h1').count()).toBe(1);
    expect((await page.locator('h1').innerText()).trim()).toMatch(/privacy audit/);
    const h2 = (await page.locator('h2').allInnerTexts()).map((t) => t.trim());
    for (const section of EXPECTED_SECTIONS) expect(h2.filter((t) => section.test(t)), `one h2 matching ${section} in ${JSON.stringify(h2)}`).toHaveLength(1);
  });

  it('draws at least four charts, each of a sensible size and with marks in it', async () => {
    const charts = await page.locator('figure svg').evaluateAll((svgs) => svgs.map((svg) => {
      const r = svg.getBoundingClientRect();
      return {
        width: r.width, height: r.height,
        // marks with actual geometry (an empty path d="" draws nothing)
        drawn: Array.from(svg.querySelectorAll('path')).filter((p) => (p.getAttribute('d') ?? '').length > 10).length,
        texts: svg.querySelectorAll('text').length,
      };
    }));
    expect(charts.length).toBeGreaterThanOrEqual(4);
    for (const [i, c] of charts.entries()) {
      expect(c.width, `chart ${i} width`).toBeGreaterThan(200);
      expect(c.height, `chart ${i} height`).toBeGreaterThan(100);
      expect(c.drawn, `chart ${i} drawn paths`).toBeGreaterThanOrEqual(3);
      expect(c.texts, `chart ${i} text (titles, axis labels)`).toBeGreaterThanOrEqual(5);
    }
    expect(await page.locator('.nodata').count()).toBe(0);
  });

  it('has one summary-table body row per summary row and one KS table per row', async () => {
    expect(summaryRows).toBe(4);
    expect(await page.locator('table.summary tbody tr').count()).toBe(summaryRows);
    expect(await page.locator('table.ks').count()).toBe(summaryRows);
    // every cell holds something
    const empty = await page.locator('table.summary tbody td').evaluateAll((tds) => tds.filter((td) => td.textContent!.trim() === '').length);
    expect(empty).toBe(0);
  });

  it('does not overflow the page horizontally, except inside the .scroll wrapper', async () => {
    const layout = await page.evaluate(() => {
      const root = document.documentElement;
      const limit = root.clientWidth + 1;
      const overflowing: string[] = [];
      const seen = new Set<Element>();
      for (const el of Array.from(document.body.querySelectorAll('*'))) {
        if (el.closest('.scroll') && !el.matches('.scroll')) continue; // scrolls inside its wrapper
        if (el instanceof SVGElement && !(el instanceof SVGSVGElement)) continue; // clipped by its <svg>
        const r = el.getBoundingClientRect();
        if (r.width > 0 && (r.right > limit || r.left < -1)) {
          seen.add(el);
          // name the outermost offenders only, with what they contain
          if (!el.parentElement || !seen.has(el.parentElement)) {
            const what = `${el.tagName.toLowerCase()}${el.getAttribute('class') ? `.${el.getAttribute('class')}` : ''}`;
            const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 60);
            overflowing.push(`${what} from x = ${Math.round(r.left)} to ${Math.round(r.right)} (page width ${root.clientWidth}): "${text}"`);
          }
        }
      }
      return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, overflowing };
    });
    expect(layout.clientWidth).toBeLessThanOrEqual(VIEWPORT.width);
    expect(layout.overflowing, 'elements past the right (or left) edge of the page').toEqual([]);
    expect(layout.scrollWidth).toBeLessThanOrEqual(VIEWPORT.width + 1);
  });

  it('screenshots: a full-page PNG of the page size; charts are drawn and differ from each other', async () => {
    const size = await page.evaluate(() => ({
      width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight,
    }));
    const shot = join(dir, 'report.png');
    const full = await page.screenshot({ path: shot, fullPage: true });
    if (process.env.REPORT_SCREENSHOT) copyFileSync(shot, process.env.REPORT_SCREENSHOT);
    expect(pngSize(full)).toEqual(size);
    expect(size.height).toBeGreaterThan(VIEWPORT.height); // a long page, all of it captured
    const page1 = inkStats(decodePng(full));
    expect(page1.colours).toBeGreaterThan(50);
    expect(page1.ink).toBeGreaterThan(0.02);

    const charts = page.locator('figure svg');
    const shots = [];
    for (let i = 0; i < Math.min(4, await charts.count()); i++) shots.push(await charts.nth(i).screenshot());
    for (const [i, buf] of shots.entries()) {
      const png = decodePng(buf);
      const box = (await charts.nth(i).boundingBox())!;
      // (a chart scaled down to the page width has a fractional box; the screenshot rounds it)
      expect(Math.abs(png.width - box.width), `chart ${i} screenshot width`).toBeLessThanOrEqual(2);
      expect(Math.abs(png.height - box.height), `chart ${i} screenshot height`).toBeLessThanOrEqual(2);
      const { colours, ink } = inkStats(png);
      expect(colours, `chart ${i} distinct colours`).toBeGreaterThan(20);
      expect(ink, `chart ${i} share of non-white pixels`).toBeGreaterThan(0.01);
    }
    for (let i = 0; i < shots.length; i++) {
      for (let j = i + 1; j < shots.length; j++) expect(shots[i].equals(shots[j]), `charts ${i} and ${j} differ`).toBe(false);
    }
  });
});
