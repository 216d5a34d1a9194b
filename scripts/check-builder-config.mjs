#!/usr/bin/env node
// Validates electron-builder.yml the way electron-builder does before a build: its own loader
// (extends, package.json metadata) and its own JSON schema (app-builder-lib/scheme.json).
// Needs no Electron binary and no network. Exits 1 with electron-builder's message on an error.
import { createRequire } from 'node:module';
import { isMain } from './is-main.mjs';

const require = createRequire(import.meta.url);
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config');
const { DebugLogger } = require('builder-util');

export async function loadAndValidate(projectDir = process.cwd()) {
  const config = await getConfig(projectDir, null, null);
  await validateConfiguration(config, new DebugLogger(false));
  return config;
}

if (isMain(import.meta.url)) {
  try {
    const config = await loadAndValidate();
    const schema = require('app-builder-lib/package.json').version;
    console.log(`electron-builder.yml is valid against app-builder-lib ${schema}'s scheme.json (targets: linux ${JSON.stringify(config.linux?.target)}, win ${JSON.stringify(config.win?.target)}, mac ${JSON.stringify(config.mac?.target)})`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
