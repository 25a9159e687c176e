/** The timeline's event stream, and "try it": answers that go on while they are read. */
import { readJson, type Handler } from '../exchange.ts';
import { tryIt } from '../try-it.ts';

export const events: Handler = ({ req, res, console: state }) => {
  // HEAD: the stream's headers alone; a stream that never ends would hold the connection for nothing.
  if (req.method === 'HEAD') return void res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' }).end();
  state.feed.connect(res);
};

export const tryItRoute: Handler = async (exchange) => tryIt(exchange, await readJson(exchange.req));
