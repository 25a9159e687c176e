/**
 * A server under benchmark, in its own process so it has a core to itself: `models` (mock-models with the
 * default environment) or `ceiling` (the least a node:http server can do: a fixed JSON body, or one SSE chunk).
 * Prints its URL on stdout once listening.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { createModels } from '../mock-models/models.ts';
import { loadEnvironment } from '../sandbox/environment.ts';

const which = process.argv[2];
if (which === 'models') {
  const models = await createModels({ models: loadEnvironment().models, port: 0 });
  process.stdout.write(`${models.url}\n`);
} else if (which === 'ceiling') {
  const body = JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'one two three' }, finish_reason: 'stop' }] });
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.includes('stream')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"choices":[{"delta":{"content":"one"}}]}\n\n');
        res.end('data: [DONE]\n\n');
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      }
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
} else {
  throw new Error('usage: serve.ts models|ceiling');
}
