/**
 * Reads a YAML definition file and checks it against a zod schema, collecting every problem (syntax, shape)
 * with its JSON path, line and column instead of stopping at the first.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';

import { jsonPath, type Problem } from './sandbox-error.ts';

/** Records a problem at a JSON path of the file (located by line and column when the path exists). */
export type Report = (segments: PropertyKey[], message: string) => void;

export interface YamlFile<T> {
  /** The validated content, or undefined when the file could not be read, parsed or validated. */
  data: T | undefined;
  /** For problems found later (references between entries), located in the same file. */
  report: Report;
}

export function readYamlFile<S extends z.ZodType>(file: string, schema: S, problems: Problem[]): YamlFile<z.infer<S>> {
  const display = relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push({ file: display, path: '$', message: (error as Error).message });
    return { data: undefined, report: () => {} };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const report: Report = (segments, message) => {
    problems.push({ file: display, path: jsonPath(segments), message, ...locate(doc, lineCounter, segments) });
  };
  for (const error of doc.errors) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    problems.push({ file: display, path: '$', message: `invalid YAML: ${error.message.split('\n')[0]}`, line, column: col });
  }
  if (doc.errors.length) return { data: undefined, report };

  const parsed = schema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) report(issue.path, issue.message);
    return { data: undefined, report };
  }
  return { data: parsed.data, report };
}

/** The line and column of the deepest node of `segments` that exists. */
function locate(doc: Document, lines: LineCounter, segments: PropertyKey[]): { line?: number; column?: number } {
  for (let n = segments.length; n >= 0; n--) {
    const node = doc.getIn(segments.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
    if (node?.range) {
      const { line, col } = lines.linePos(node.range[0]);
      return { line, column: col };
    }
  }
  return {};
}
