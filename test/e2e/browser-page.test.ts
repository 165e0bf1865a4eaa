/**
 * The demo page in a real browser against a real server: the page's capture worklet,
 * WebSocket client and player, with the models replaced by the deterministic doubles
 * (the run with trained models is test/e2e/trained-pipeline.test.ts).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startServer, type BabelfishServer } from '../../server/server.ts';
import { buildClient } from '../../client/build.ts';
import { encodeWav } from '../../src/audio/wav.ts';
import { fakeStages } from '../helpers/fake-stages.ts';
import { launchChromium } from '../helpers/browser.ts';

let server: BabelfishServer;
let browser: Browser;
let dir: string;

/** 1.5 s of voiced-speech-like sound, then 1.5 s of silence (the fake mic loops it). */
function speechThenSilence(rate = 16000): Float32Array {
  const out = new Float32Array(3 * rate);
  for (let i = 0; i < 1.5 * rate; i++) {
    const t = i / rate;
    let v = 0;
    for (let h = 1; h <= 10; h++) v += Math.sin(2 * Math.PI * 130 * h * t) / h;
    out[i] = 0.25 * v * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t));
  }
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'babelfish-e2e-'));
  const wav = path.join(dir, 'mic.wav');
  await writeFile(wav, encodeWav(speechThenSilence(), 16000));
  server = await startServer({ config: { port: 0 }, staticDir: await buildClient(), loadStages: async () => fakeStages(), log: () => {} });
  await server.ready;
  browser = await launchChromium(wav);
});

afterAll(async () => {
  await browser?.close();
  await server?.close(100);
});

describe('demo page (browser, fake models)', () => {
  it('captures the microphone, shows transcript and translation, and plays non-silent audio', async () => {
    const page = await browser.newPage({ viewport: { width: 420, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await page.getByText('Connected').waitFor({ timeout: 10_000 });
    await page.selectOption('#from', 'en');
    await page.selectOption('#to', 'de');
    await page.click('#talk');
    await page.waitForFunction(() => (window as any).babelfishStats.events.includes('audio-end'), null, { timeout: 30_000 });
    await page.click('#talk'); // stop
    const stats = await page.evaluate(() => (window as any).babelfishStats);
    expect(stats.framesSent).toBeGreaterThan(50); // 20 ms frames from the worklet
    expect(stats.samplesPlayed).toBeGreaterThan(1000);
    expect(stats.peak).toBeGreaterThan(0.05); // non-silent samples reached the player
    const said = await page.locator('.utterance .said').first().textContent();
    const translated = await page.locator('.utterance .translated').first().textContent();
    expect(said).toMatch(/heard \d+ samples/);
    expect(translated).toBe(`[en->de] ${said}`);
    await expect(page.locator('.utterance .actions a').first().getAttribute('download')).resolves.toBe('babelfish-translation.wav');
    // Saved where a person can look at it after the run.
    await page.screenshot({ path: path.join(os.tmpdir(), 'babelfish-demo-page.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('translates typed text and plays it', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await page.getByText('Connected').waitFor({ timeout: 10_000 });
    await page.fill('#text', 'the house is red');
    await page.press('#text', 'Enter');
    await page.waitForFunction(() => (window as any).babelfishStats.events.includes('audio-end'), null, { timeout: 20_000 });
    expect(await page.locator('.utterance .translated').first().textContent()).toBe('[en->es] the house is red');
    await page.close();
  });

  it('tells the user when the server is busy', async () => {
    const busy = await startServer({ config: { port: 0, maxSessions: 1 }, staticDir: await buildClient(), loadStages: async () => fakeStages(), log: () => {} });
    await busy.ready;
    const a = await browser.newPage();
    const b = await browser.newPage();
    for (const p of [a, b]) {
      await p.goto(`http://127.0.0.1:${busy.port}/`);
      await p.getByText('Connected').waitFor({ timeout: 10_000 });
    }
    await a.click('#talk');
    await a.waitForFunction(() => (window as any).babelfishStats.events.includes('ready'));
    await b.click('#talk');
    await b.getByText('The server is busy').waitFor({ timeout: 10_000 });
    await a.close();
    await b.close();
    await busy.close(100);
  });
});
