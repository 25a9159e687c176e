/**
 * An env file read as `docker run --env-file` reads it: `#` lines and blank lines skipped, the rest split at the
 * first `=`, the value taken as written (docker strips neither quotes nor a trailing `# comment`).
 */
export function dockerEnvFile(text: string): Map<string, string> {
  const lines = text.split('\n').filter((line) => line.trim() && !line.trimStart().startsWith('#'));
  return new Map(lines.map((line) => {
    const at = line.indexOf('=');
    if (at <= 0) throw new Error(`not KEY=VALUE: ${line}`);
    return [line.slice(0, at), line.slice(at + 1)];
  }));
}
