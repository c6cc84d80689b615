/** natdiff as a library: load snapshots, diff them, render the report. No printing, no exits. */
export { NatdiffError, InputError, CaptureError, type CaptureErrorCode, type Warning } from './errors';
export type { Ruleset, Table, Chain, Rule } from './model/ruleset';
export type { ServiceModel, ServicePort, Endpoint, Protocol, Diversion, DivertAction } from './model/service';
export type { Snapshot, ServiceView, Finding, RuleAccount, AlikeUnread } from './model/snapshot';
export { loadSnapshot, parseSnapshot, type LoadOptions } from './snapshot/load-snapshot';
export { loadPair, type InputBytes, type PairOptions } from './snapshot/load-pair';
export { readInput, readInputBytes, readInputStream, readInputStreamBytes, type ReadOptions } from './snapshot/read-input';
export { MemoryBudget } from './snapshot/memory-budget';
export { writeFileAtomic } from './snapshot/write-file';
export { diffSnapshots, type DiffOptions } from './diff/diff-snapshots';
export type { OnProgress, ProgressPhase } from './progress';
export { filterReport, type ServiceFilter } from './diff/filter';
export type * from './diff/types';
export { renderText, type TextOptions } from './report/text';
export { renderMarkdown, type MarkdownOptions } from './report/markdown';
export { renderJson, reportDocument, FORMAT_VERSION, type DocumentOptions, type JsonOptions } from './report/json';
export { renderYaml } from './report/yaml';
export { VERSION } from './version';
