/** A span of seconds as a person says it, one wording for the CLI and the logs: "40 s", "3 min", "2.5 h", "2.0 days". */
export function spanInWords(seconds: number): string {
  const s = Math.abs(Math.round(seconds));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} days`;
}
