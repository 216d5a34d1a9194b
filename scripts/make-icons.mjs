#!/usr/bin/env node
// Draws the app icon (a photo-like disc, grainy on one side of a diagonal and clean on the
// other) and writes every file the installers use: build/icon.png (1024 px source),
// build/icons/NxN.png (Linux), build/icon.ico (Windows) and build/icon.icns (macOS).
// Deterministic (seeded grain), so re-running it changes nothing. `node scripts/make-icons.mjs`
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodeIcns, encodeIco, ICNS_TYPES } from './icon-formats.mjs';
import { isMain } from './is-main.mjs';

const OUT = 'build';
export const LINUX_SIZES = [16, 32, 48, 64, 128, 256, 512, 1024];
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
export const ICNS_SIZES = Object.keys(ICNS_TYPES).map(Number);

/** A small LCG: the grain must be the same on every run. */
function grain(count, seed) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: count }, () => ({ x: next() * 1024, y: next() * 1024, r: 4 + next() * 10, light: next() < 0.5 }));
}

export function iconSvg() {
  const dots = grain(900, 25)
    .map(({ x, y, r, light }) => `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r.toFixed(1)}" fill="${light ? '#ffffff' : '#0b1d33'}" fill-opacity="0.55"/>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="1024" viewBox="0 0 1024 1024">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#1f4e79"/><stop offset="1" stop-color="#0f9b8e"/></linearGradient>
    <radialGradient id="disc" cx="0.4" cy="0.35" r="0.7"><stop offset="0" stop-color="#ffe08a"/><stop offset="1" stop-color="#f28c28"/></radialGradient>
    <clipPath id="tile"><rect x="64" y="64" width="896" height="896" rx="200"/></clipPath>
    <clipPath id="noisy"><polygon points="64,64 960,64 64,960"/></clipPath>
  </defs>
  <g clip-path="url(#tile)">
    <rect x="64" y="64" width="896" height="896" fill="url(#bg)"/>
    <circle cx="512" cy="512" r="270" fill="url(#disc)"/>
    <g clip-path="url(#noisy)">${dots}</g>
    <line x1="960" y1="64" x2="64" y2="960" stroke="#ffffff" stroke-width="14" stroke-opacity="0.9"/>
  </g>
</svg>`;
}

async function main() {
  mkdirSync(join(OUT, 'icons'), { recursive: true });
  const source = await sharp(Buffer.from(iconSvg())).png().toBuffer();
  const png = (size) => sharp(source).resize(size, size, { kernel: 'lanczos3' }).png({ compressionLevel: 9 }).toBuffer();
  writeFileSync(join(OUT, 'icon.png'), await png(1024));
  for (const size of LINUX_SIZES) writeFileSync(join(OUT, 'icons', `${size}x${size}.png`), await png(size));
  writeFileSync(join(OUT, 'icon.ico'), encodeIco(await Promise.all(ICO_SIZES.map(async (size) => ({ size, png: await png(size) })))));
  writeFileSync(join(OUT, 'icon.icns'), encodeIcns(await Promise.all(ICNS_SIZES.map(async (size) => ({ size, png: await png(size) })))));
  console.log(`icons written to ${OUT}/: icon.png, icons/{${LINUX_SIZES.join(',')}}.png, icon.ico (${ICO_SIZES.join(',')}), icon.icns (${ICNS_SIZES.join(',')})`);
}

if (isMain(import.meta.url)) await main();
