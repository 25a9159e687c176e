/** The timeline's event stream, and "try it": answers that go on while they are read. */
import { readJson, type Handler } from '../exchange.ts';
import { tryIt } from '../try-it.ts';

export const events: Handler = ({ res, console: state }) => state.feed.connect(res);

export const tryItRoute: Handler = async (exchange) => tryIt(exchange, await readJson(exchange.req));
