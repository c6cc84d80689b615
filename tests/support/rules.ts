import { parseIptablesDump } from '../../lib/parse/iptables/parse-dump';
import type { IptablesRule } from '../../lib/parse/iptables/rule';

/** Parses one `-A CHAIN …` line and returns the rule (throws if the line produced warnings). */
export function ruleOf(line: string): IptablesRule {
  const dump = parseIptablesDump(`${line}\n`, { source: 'test' });
  if (dump.warnings.length > 0) throw new Error(dump.warnings.map((w) => w.message).join('; '));
  const chain = [...(dump.ruleset.tables.get('nat')?.chains.values() ?? [])][0];
  const rule = chain?.rules[0];
  if (!rule) throw new Error(`no rule in: ${line}`);
  return rule;
}
