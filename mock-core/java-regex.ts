/**
 * Java regular expressions (Core's `Pattern.compile`) as JavaScript ones. The two agree on what Core's
 * settings use. Where Java differs in a way that matters: an unescaped `{` outside a character class that
 * does not open a repetition such as `{2}` is "Illegal repetition" (the tutorial's `${auth0_domain_name}`);
 * leading inline flags `(?i)`, `(?s)`, `(?m)` become JavaScript flags; constructs JavaScript lacks
 * (`\Q…\E`, possessive quantifiers, other inline flags) are refused rather than misread.
 */
export class JavaRegexError extends Error {}

/** A compiled pattern anchored at both ends, as Java's `Pattern.matcher(s).matches()` tests it. */
export function fullMatch(pattern: RegExp): RegExp {
  return new RegExp(`^(?:${pattern.source})$`, pattern.flags);
}

export function javaRegex(pattern: string): RegExp {
  const flags = /^\(\?([ism]+)\)/.exec(pattern);
  const body = flags ? pattern.slice(flags[0].length) : pattern;
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      if (body[i + 1] === 'Q') throw new JavaRegexError(`\\Q…\\E quoting is not supported by the emulator\n${pattern}`);
      i++;
    } else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (!inClass && c === '{' && !/^\{\d+(,\d*)?\}/.test(body.slice(i))) {
      throw new JavaRegexError(`java.util.regex.PatternSyntaxException: Illegal repetition near index ${i}\n${pattern}`);
    } else if (!inClass && (c === '+' || c === '*' || c === '?' || c === '}') && body[i + 1] === '+') {
      throw new JavaRegexError(`possessive quantifiers are not supported by the emulator\n${pattern}`);
    } else if (!inClass && c === '(' && /^\(\?[a-zA-Z-]+[):]/.test(body.slice(i))) {
      throw new JavaRegexError(`inline flags inside the pattern are not supported by the emulator\n${pattern}`);
    }
  }
  try {
    return new RegExp(body, flags?.[1] ?? '');
  } catch (error) {
    throw new JavaRegexError(`java.util.regex.PatternSyntaxException: ${(error as Error).message}\n${pattern}`);
  }
}
