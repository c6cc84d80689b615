#!/usr/bin/env node
/** The natdiff executable: the bundled command line, started with its code cache (bundle-loader.ts). */
import { runBundle } from './bundle-loader';

runBundle();
