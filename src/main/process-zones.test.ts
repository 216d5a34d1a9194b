import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Main must never load tfjs or sharp (a blocked main process freezes the app), and neither
 * should the web server's own process: the engine runs elsewhere. ESLint checks each file's
 * direct imports; this follows relative imports transitively from the entry points.
 */
const ROOT = resolve(__dirname, '..', '..');
const FORBIDDEN = /^(@tensorflow\/|sharp$)/;
const IMPORT = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function resolveFile(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec.replace(/\?.*$/, ''));
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate) && candidate.endsWith('.ts')) return candidate;
  return null;
}

function loadedPackages(entry: string): { packages: Map<string, string>; files: Set<string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? '';
      const typeOnly = /^\s*(?:import|export)\s+type\s/.test(m[0].trimStart());
      if (typeOnly) continue;
      if (spec.includes('?modulePath')) continue; // a path to another process's entry, not a load
      if (spec.startsWith('.')) {
        const next = resolveFile(file, spec);
        if (next) stack.push(next);
      } else if (!packages.has(spec)) packages.set(spec, file);
    }
  }
  return { packages, files };
}

describe('process zones', () => {
  for (const entry of ['src/main/index.ts', 'src/server/web-server.ts', 'src/host/app-host.ts', 'src/preload/index.ts']) {
    it(`${entry} never loads tfjs or sharp, even indirectly`, () => {
      const { packages, files } = loadedPackages(join(ROOT, entry));
      expect(files.size).toBeGreaterThan(1);
      const bad = [...packages].filter(([name]) => FORBIDDEN.test(name)).map(([name, from]) => `${name} (from ${from})`);
      expect(bad).toEqual([]);
    });
  }

  it('the walker does find tfjs where it belongs (the engine entry), so the checks above mean something', () => {
    const { packages } = loadedPackages(join(ROOT, 'src/ml/service/engine-main.ts'));
    expect([...packages.keys()].some((name) => FORBIDDEN.test(name))).toBe(true);
  });

  it('the preload loads nothing but electron', () => {
    const { packages } = loadedPackages(join(ROOT, 'src/preload/index.ts'));
    expect([...packages.keys()]).toEqual(['electron']);
  });
});
