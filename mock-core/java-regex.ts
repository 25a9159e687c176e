/**
 * Java regular expressions (Core's `Pattern.compile`) as JavaScript ones. The two agree on what Core's
 * settings use; where Java is stricter in a way that matters, Java's error is raised: an unescaped `{` that
 * does not open a repetition such as `{2}` is "Illegal repetition" (the tutorial's `${auth0_domain_name}`).
 */
import { CoreStartupError } from './errors.ts';

export function javaRegex(pattern: string, key: string): RegExp {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') {
      i++;
      continue;
    }
    if (pattern[i] === '{' && !/^\{\d+(,\d*)?\}/.test(pattern.slice(i))) {
      throw new CoreStartupError(`java.util.regex.PatternSyntaxException: Illegal repetition near index ${i}\n${pattern}`, key);
    }
  }
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw new CoreStartupError(`java.util.regex.PatternSyntaxException: ${(error as Error).message}\n${pattern}`, key);
  }
}
