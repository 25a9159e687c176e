/** Streams SSE chunks one by one, each flushed when produced, playing the fault's delays and drops. */
import type { ServerResponse } from 'node:http';

import type { Fault } from '../definition.ts';
import { sendEvent, sleep, startEventStream } from '../http.ts';

export async function streamChunks(res: ServerResponse, chunks: readonly unknown[], fault: Fault | undefined): Promise<void> {
  startEventStream(res);
  let written: Promise<void> = Promise.resolve();
  for (const [index, chunk] of chunks.entries()) {
    if (fault?.dropAfterChunks === index) {
      // A connection dropped mid-stream: what was sent arrives, then no [DONE] and no clean end.
      await written;
      res.destroy();
      return;
    }
    if (index > 0 && fault?.chunkDelayMs) await sleep(fault.chunkDelayMs);
    if (res.destroyed) return; // the client went away
    written = sendEvent(res, chunk);
  }
  void sendEvent(res, '[DONE]');
  res.end();
}
