/**
 * The file part of a multipart/form-data upload, as Core takes it (docs/dial-core.md#file-upload): the first
 * part whose Content-Disposition carries a `filename`; its field name and file name do not matter, and its
 * Content-Type (application/octet-stream when it has none) is what the file is stored with.
 */
export interface FilePart {
  contentType: string;
  body: Buffer;
}

/** The boundary of a multipart Content-Type, or undefined when it names none. */
export function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/** The first file part; undefined when the body holds none, or is not well-formed multipart. */
export function firstFilePart(body: Buffer, boundary: string): FilePart | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const afterDelimiter = at + delimiter.length;
    // "--boundary--" closes the body.
    if (body[afterDelimiter] === 0x2d && body[afterDelimiter + 1] === 0x2d) return undefined;
    const headersStart = body.indexOf('\r\n', afterDelimiter);
    const headersEnd = body.indexOf('\r\n\r\n', afterDelimiter);
    if (headersStart === -1 || headersEnd === -1) return undefined;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headersEnd + 4);
    if (next === -1) return undefined;
    const headers = parseHeaders(body.toString('utf8', headersStart + 2, headersEnd));
    if (/;\s*filename\*?=/i.test(headers.get('content-disposition') ?? '')) {
      return { contentType: headers.get('content-type') ?? 'application/octet-stream', body: body.subarray(headersEnd + 4, next) };
    }
    at = next + 2;
  }
  return undefined;
}

function parseHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}
