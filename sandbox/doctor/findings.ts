/** What `dial-sandbox doctor` reports: each finding with where it is, the comparison that failed, and the fix. */
export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  /** A stable name, for --json consumers and tests. */
  check: string;
  severity: Severity;
  title: string;
  /** The file (and key) the finding is about. */
  where?: string;
  /** The comparison that failed, spelled out. */
  compared?: string;
  fix: string;
}

export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'doctor: no problems found.\n';
  const order: Severity[] = ['error', 'warning', 'info'];
  const lines = [...findings]
    .sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity))
    .map((f) => [
      `${f.severity.toUpperCase().padEnd(7)} ${f.title}  [${f.check}]`,
      ...(f.where ? [`        where:    ${f.where.replaceAll(`${process.cwd()}/`, '')}`] : []),
      ...(f.compared ? [`        compared: ${f.compared}`] : []),
      `        fix:      ${f.fix}`,
    ].join('\n'));
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  return `${lines.join('\n\n')}\n\ndoctor: ${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} note(s).\n`;
}
