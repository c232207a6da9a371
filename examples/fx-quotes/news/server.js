'use strict';
// news: the latest three headlines about a currency pair, from an in-memory table.

require('../lib/tracing'); // first: traces wrap node:http only if loaded before it
const { sendJson, startService } = require('../lib/http-service');

const HEADLINES = {
  EURUSD: [
    'ECB holds rates, signals patience',
    'US payrolls beat forecasts',
    'Euro steady ahead of CPI',
  ],
  GBPUSD: [
    'BoE minutes show split vote',
    'UK retail sales rebound',
    'Sterling edges up on wage data',
  ],
  USDJPY: [
    'BoJ keeps yield cap in place',
    'Yen weakens past key level',
    'Japan warns on rapid FX moves',
  ],
  USDCHF: [
    'SNB surprises with rate cut',
    'Swiss inflation cools again',
    'Franc slips as havens fade',
  ],
  AUDUSD: [
    'RBA on hold for third month',
    'Iron ore lifts Aussie',
    'Australian jobs data mixed',
  ],
  USDCAD: [
    'BoC flags slower growth',
    'Oil rally supports loonie',
    'Canada CPI in line',
  ],
  NZDUSD: [
    'RBNZ hints at easing',
    'Dairy prices climb at auction',
    'Kiwi trades in tight range',
  ],
  EURGBP: [
    'Euro area PMIs disappoint',
    'UK gilts rally on soft data',
    'EURGBP hugs 0.85',
  ],
  EURJPY: [
    'Carry trades back in favour',
    'Euro gains on yen for a week',
    'Japan exporters hedge early',
  ],
  GBPJPY: [
    'Sterling-yen hits multi-year high',
    'Volatility picks up in crosses',
    'BoJ speakers in focus',
  ],
};

startService('news', (path, res) => {
  const match = /^\/headlines\/([^/]+)$/.exec(path);
  if (!match) return sendJson(res, 404, { error: `no route for ${path}` });
  const pair = match[1];
  if (!Object.hasOwn(HEADLINES, pair)) return sendJson(res, 404, { error: `no news for ${pair}` });
  return sendJson(res, 200, { pair, headlines: HEADLINES[pair] });
});
