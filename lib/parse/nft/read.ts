/** An nft listing, text or JSON, read into tables: which reader is decided by its first character. */
import type { NftDump } from './dump';
import { parseNftJson } from './parse-json';
import { parseNftText, type ReadOptions } from './parse-text';

export type { ReadOptions } from './parse-text';

export function isNftJson(text: string): boolean {
  return /^\s*\{/.test(text);
}

export function readNft(text: string, options: ReadOptions): NftDump {
  return isNftJson(text) ? parseNftJson(text, options) : parseNftText(text, options);
}
