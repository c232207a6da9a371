'use strict';
// quotes: the front door. A quote is the pair's price from `rates` plus headlines from `news`.

require('../lib/tracing'); // first: traces wrap node:http only if loaded before it
const { sendJson, startService } = require('../lib/http-service');

const SUPPORTED_PAIRS = [
  'EURUSD', 'GBPUSD', 'USDJPY', 'USDCHF', 'AUDUSD',
  'USDCAD', 'NZDUSD', 'EURGBP', 'EURJPY', 'GBPJPY',
];
const PAIR_FORMAT = /^[A-Z]{6}$/;

// rates answers in a few ms; 300 ms means it is in trouble, and we would rather say so than
// keep our own caller waiting.
const RATES_TIMEOUT_MS = 300;
// Headlines are a nice-to-have, so we wait for them even less.
const NEWS_TIMEOUT_MS = 200;

const RATES_URL = requiredUrl('RATES_URL');
const NEWS_URL = requiredUrl('NEWS_URL');

function requiredUrl(envName) {
  const url = process.env[envName];
  if (!url) {
    console.error(`quotes: set ${envName} to the base URL of that service`);
    process.exit(2);
  }
  return url.replace(/\/+$/, '');
}

class DependencyError extends Error {
  constructor(dependency, status) {
    super(`${dependency} answered ${status}`);
    this.status = status;
  }
}

async function getJson(dependency, url, timeoutMs) {
  // The deadline is ours, whatever the HTTP client does with it: a race against our own timer.
  // On Node 18 (Debian's) a call to a blackholed dependency sometimes went on past its abort
  // (first with `AbortSignal.timeout()`, p99 10.8 -> 3754 ms; then with an AbortController,
  // 7 of 158 quotes held ~4 s until the blackhole ended, both in Firebreak's news-blackhole
  // scenario on Docker). The abort still ends the call, so its connection is not kept.
  const deadline = new AbortController();
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`${dependency} timed out`);
      deadline.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([call(dependency, url, deadline.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function call(dependency, url, signal) {
  const response = await fetch(url, { signal });
  if (!response.ok) {
    // Drain the body so the keep-alive connection goes back to the pool.
    await response.arrayBuffer();
    throw new DependencyError(dependency, response.status);
  }
  return response.json();
}

// One log line when a dependency starts failing and one when it is back, not one per request:
// under load a per-request line would cost more CPU than the quote itself.
const failingSince = {};
function noteDependency(dependency, error) {
  if (error && !failingSince[dependency]) {
    failingSince[dependency] = Date.now();
    // fetch says only "fetch failed"; the reason (ECONNREFUSED...) is in its cause.
    const reason = error.cause?.code ? `${error.message} (${error.cause.code})` : error.message;
    console.warn(`quotes: ${dependency} is failing: ${reason}`);
  } else if (!error && failingSince[dependency]) {
    console.warn(`quotes: ${dependency} is back after ${Date.now() - failingSince[dependency]} ms`);
    failingSince[dependency] = 0;
  }
}

async function answerQuote(pair, res) {
  const [rates, news] = await Promise.allSettled([
    getJson('rates', `${RATES_URL}/rates/${pair}`, RATES_TIMEOUT_MS),
    getJson('news', `${NEWS_URL}/headlines/${pair}`, NEWS_TIMEOUT_MS),
  ]);

  // A 404 from rates is an answer, not a failure: it does not price that pair.
  if (rates.status === 'rejected' && rates.reason.status === 404) {
    return sendJson(res, 404, { error: `rates has no price for ${pair}` });
  }
  noteDependency('rates', rates.status === 'rejected' ? rates.reason : null);
  noteDependency('news', news.status === 'rejected' ? news.reason : null);

  // No fallback for rates, on purpose: a quote without a price, or with a stale one, is worse
  // than no quote, so the caller gets a clear 503 and can retry.
  if (rates.status === 'rejected') {
    return sendJson(res, 503, { error: 'rates unavailable, try again shortly', pair });
  }
  // Headlines are optional: without them the quote still goes out, marked as degraded.
  const degraded = news.status === 'rejected' ? ['news'] : [];
  const headlines = news.status === 'fulfilled' ? news.value.headlines : [];
  const { bid, ask } = rates.value;
  return sendJson(res, 200, { pair, bid, ask, headlines, degraded });
}

startService('quotes', (path, res) => {
  if (path === '/pairs') return sendJson(res, 200, { pairs: SUPPORTED_PAIRS });
  const match = /^\/quotes\/([^/]+)$/.exec(path);
  if (!match) return sendJson(res, 404, { error: `no route for ${path}` });
  const pair = match[1];
  if (!PAIR_FORMAT.test(pair)) {
    return sendJson(res, 400, { error: `a pair is six capital letters, like EURUSD; got ${pair}` });
  }
  if (!SUPPORTED_PAIRS.includes(pair)) return sendJson(res, 404, { error: `unknown pair ${pair}` });
  return answerQuote(pair, res);
});
