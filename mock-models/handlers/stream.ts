/** Streams SSE chunks one by one, each flushed when produced, playing the fault's delays and drops. */
import type { ServerResponse } from 'node:http';

import type { Fault } from '../definition.ts';
import { sendEvent, sleep, startEventStream } from '../http.ts';

export async function streamChunks(res: ServerResponse, chunks: readonly unknown[], fault: Fault | undefined): Promise<void> {
  startEventStream(res);
  for (const [index, chunk] of chunks.entries()) {
    if (fault?.dropAfterChunks === index) {
      res.destroy(); // a connection dropped mid-stream: no [DONE], no clean end
      return;
    }
    if (index > 0 && fault?.chunkDelayMs) await sleep(fault.chunkDelayMs);
    if (res.destroyed) return; // the client went away
    sendEvent(res, chunk);
  }
  sendEvent(res, '[DONE]');
  res.end();
}
