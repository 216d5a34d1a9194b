#!/usr/bin/env node
// The package's CLI. It runs the TypeScript sources through tsx, so `npx denoise-studio`
// works straight after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
