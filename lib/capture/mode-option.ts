/** What `--mode` takes: a proxy mode, or `auto` (found out from the node; see proxy-mode.ts). */
import { PROXY_MODES } from '../model/service';

export const MODE_OPTIONS = ['auto', ...PROXY_MODES] as const;
export type ModeOption = (typeof MODE_OPTIONS)[number];
