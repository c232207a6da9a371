'use strict';
// rates: the current bid and ask for a currency pair, from an in-memory table.

require('../lib/tracing'); // first: traces wrap node:http only if loaded before it
const { sendJson, startService } = require('../lib/http-service');

// Mid price and spread in pips for each pair we quote. A pip is 0.01 for yen pairs, else 0.0001.
const MARKET = {
  EURUSD: { mid: 1.0850, spreadPips: 1.2 },
  GBPUSD: { mid: 1.2700, spreadPips: 1.5 },
  USDJPY: { mid: 151.20, spreadPips: 1.4 },
  USDCHF: { mid: 0.9050, spreadPips: 1.8 },
  AUDUSD: { mid: 0.6550, spreadPips: 1.4 },
  USDCAD: { mid: 1.3600, spreadPips: 1.9 },
  NZDUSD: { mid: 0.6000, spreadPips: 2.0 },
  EURGBP: { mid: 0.8540, spreadPips: 1.6 },
  EURJPY: { mid: 164.00, spreadPips: 2.1 },
  GBPJPY: { mid: 192.00, spreadPips: 2.8 },
};

// Prices drift by at most ±0.05 % on a one-minute cycle: alive enough to look like a market,
// and a function of the clock alone, so every replica quotes the same price at the same moment.
const WIGGLE_FRACTION = 0.0005;
const WIGGLE_PERIOD_MS = 60_000;

function priceAt(pair, nowMs) {
  const { mid, spreadPips } = MARKET[pair];
  const isYenPair = pair.endsWith('JPY');
  const pip = isYenPair ? 0.01 : 0.0001;
  const decimals = isYenPair ? 3 : 5;
  // Each pair gets its own phase so they do not all move together.
  const phase = (pair.charCodeAt(0) + pair.charCodeAt(3)) % 7;
  const wiggle = WIGGLE_FRACTION * Math.sin((2 * Math.PI * nowMs) / WIGGLE_PERIOD_MS + phase);
  const current = mid * (1 + wiggle);
  const halfSpread = (spreadPips * pip) / 2;
  return {
    pair,
    bid: Number((current - halfSpread).toFixed(decimals)),
    ask: Number((current + halfSpread).toFixed(decimals)),
    at: new Date(nowMs).toISOString(),
  };
}

startService('rates', (path, res) => {
  const match = /^\/rates\/([^/]+)$/.exec(path);
  if (!match) return sendJson(res, 404, { error: `no route for ${path}` });
  const pair = match[1];
  if (!Object.hasOwn(MARKET, pair)) return sendJson(res, 404, { error: `unknown pair ${pair}` });
  return sendJson(res, 200, priceAt(pair, Date.now()));
});
