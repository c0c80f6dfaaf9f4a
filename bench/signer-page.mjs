// The signer race, in one page: labmate's signer (its Rust signing function
// compiled to wasm as the app ships it, crates/signer-bench) against the AWS
// SDK for JavaScript's @smithy/signature-v4, on the same requests at the same
// signing time. labmate runs on both of the app's paths: without the
// explanation (how it signs the pollers' requests, several a second; the
// inspector builds the explanation when one is opened) and with it (the
// learner's requests). Bundled by esbuild for the browser (scripts/bench-page.sh);
// bench-page.mjs calls window.signerRace() and prints what it returns.
import { SignatureV4 } from '@smithy/signature-v4';
// The browser build of @smithy/core/checksum: Sha256 is the WebCrypto hash
// the SDK's browser clients sign with; Sha256Js its pure-JS fallback.
import { Sha256, Sha256Js } from '@smithy/core/checksum';

// AWS's documented example key pair, and a token as long as a real STS
// session token (several hundred characters): never a real secret.
const CREDENTIALS = {
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE' + 'TOKEN/bench+0123456789abcdefghijklmnopqrstuvwxyz'.repeat(16),
};
const REGION = 'ap-southeast-1';
const SIGNING_TIME_MS = Date.UTC(2026, 10, 18, 11, 6, 40);

/** The two requests raced: what labmate sends most, each as the app builds it. */
const CASES = [
  {
    label: 'POST /v1/lab (execute-api)',
    service: 'api',
    signingName: 'execute-api',
    method: 'POST',
    url: 'https://abc123defg.execute-api.ap-southeast-1.amazonaws.com/v1/lab',
    // As labmate-core's change::api_post builds it: labmate's own id travels as x-amzn-RequestId.
    headers: [
      ['content-type', 'application/json'],
      ['x-amzn-requestid', '6f1c2a9e-4b7d-4e0a-9c3f-2d8e5b1a7c40'],
    ],
    body: '{\n    "name": "Test DynamoDB Stream Pipeline",\n    "type": "Test"\n}',
  },
  {
    label: 'GetRecords (DynamoDB Streams)',
    service: 'streams',
    signingName: 'dynamodb',
    method: 'POST',
    url: 'https://streams.dynamodb.ap-southeast-1.amazonaws.com/',
    headers: [
      ['content-type', 'application/x-amz-json-1.0'],
      ['x-amz-target', 'DynamoDBStreams_20120810.GetRecords'],
    ],
    body: JSON.stringify({
      ShardIterator: 'arn:aws:dynamodb:ap-southeast-1:123456789012:table/lab-table/stream/2026-11-18T10:00:00.000|1|'
        + 'AAAAAAAAAAG'.repeat(28),
      Limit: 1000,
    }),
  },
];

/** The JSON crates/signer-bench reads. */
function caseJson(c) {
  return JSON.stringify({
    service: c.service,
    region: REGION,
    time_ms: SIGNING_TIME_MS,
    access_key_id: CREDENTIALS.accessKeyId,
    secret_access_key: CREDENTIALS.secretAccessKey,
    session_token: CREDENTIALS.sessionToken,
    method: c.method,
    url: c.url,
    headers: c.headers,
    body: c.body,
  });
}

/** The request as @smithy/signature-v4 takes it; a new one each call, as the SDK makes. */
function smithyRequest(c) {
  const url = new URL(c.url);
  return {
    method: c.method,
    protocol: url.protocol,
    hostname: url.hostname,
    path: url.pathname,
    query: {},
    headers: { host: url.host, ...Object.fromEntries(c.headers) },
    body: c.body,
  };
}

function smithySigner(c, sha256) {
  return new SignatureV4({
    credentials: CREDENTIALS,
    region: REGION,
    service: c.signingName,
    sha256,
    // The lab's services other than AOSS take no x-amz-content-sha256, and
    // labmate sends none: the SDK's clients for them do not either.
    applyChecksum: false,
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Runs the race. `rounds` timed rounds per case, in each of which every
 * signer signs for about `roundMs`, after a warm-up. Each round gives each
 * @smithy signer a paired ratio (labmate's rate over its rate in the same
 * round), so a burst of load from elsewhere on the machine weighs on both
 * sides of a ratio alike; the median of those is the race's result.
 */
window.signerRace = async ({ rounds = 15, roundMs = 100, warmup = 300 } = {}) => {
  const glue = await import(new URL('labmate_signer_bench.js', location.href).href);
  await glue.default({ module_or_path: new URL('labmate_signer_bench_bg.wasm', location.href) });
  const date = new Date(SIGNING_TIME_MS);
  const results = [];
  for (const c of CASES) {
    const json = caseJson(c);
    const racers = [
      {
        name: 'labmate, pollers\' path (aws-sigv4 in wasm, explanation on demand)',
        key: 'labmate',
        run: async (n) => { glue.signTimesUnexplained(json, n); },
      },
      {
        name: 'labmate, learner\'s path (aws-sigv4 in wasm, explanation built)',
        key: 'labmate-explained',
        run: async (n) => { glue.signTimes(json, n); },
      },
      {
        // Context, not a contender: what labmate's explanation costs.
        name: 'aws-sigv4 alone in wasm (labmate\'s settings, no explanation)',
        key: 'sigv4',
        run: async (n) => { glue.signTimesSigv4Only(json, n); },
      },
      {
        name: '@smithy/signature-v4 + Sha256 (WebCrypto: the SDK in a browser)',
        key: 'smithy',
        signer: smithySigner(c, Sha256),
      },
      {
        name: '@smithy/signature-v4 + Sha256Js (pure JS fallback)',
        key: 'smithy-js',
        signer: smithySigner(c, Sha256Js),
      },
    ];
    for (const r of racers) {
      if (r.signer) {
        r.run = async (n) => {
          for (let i = 0; i < n; i++) await r.signer.sign(smithyRequest(c), { signingDate: date });
        };
      }
    }

    // Correctness first: the same Authorization (and date, token) for the same
    // inputs, and both of labmate's paths send the very same headers.
    const ours = new Map(JSON.parse(glue.signedHeaders(json)));
    const unexplained = glue.signedHeadersUnexplained(json);
    const check = {
      labmate: new Map(JSON.parse(unexplained)).get('authorization'),
      'labmate-explained': ours.get('authorization'),
      sigv4: glue.sigv4OnlyAuthorization(json),
    };
    let same = check.sigv4 === check['labmate-explained'] && unexplained === glue.signedHeaders(json);
    for (const r of racers.filter((x) => x.signer)) {
      const signed = await r.signer.sign(smithyRequest(c), { signingDate: date });
      check[r.key] = signed.headers.authorization;
      same &&= signed.headers.authorization === ours.get('authorization')
        && signed.headers['x-amz-date'] === ours.get('x-amz-date')
        && signed.headers['x-amz-security-token'] === ours.get('x-amz-security-token');
    }

    // Warm-up (JIT, wasm tiers, the SDK's signing-key cache), then size each
    // racer's batch so that a round takes about roundMs.
    for (const r of racers) {
      await r.run(warmup);
      const t0 = performance.now();
      await r.run(warmup);
      const perOp = Math.max((performance.now() - t0) / warmup, 1e-4);
      r.batch = Math.max(50, Math.round(roundMs / perOp));
      r.opsPerSec = [];
    }
    for (let round = 0; round < rounds; round++) {
      // Alternate who goes first, so neither always runs on a warmer page.
      const order = round % 2 ? [...racers].reverse() : racers;
      for (const r of order) {
        const t0 = performance.now();
        await r.run(r.batch);
        r.opsPerSec.push(r.batch / ((performance.now() - t0) / 1000));
      }
    }
    const rates = (key) => racers.find((r) => r.key === key).opsPerSec;
    results.push({
      label: c.label,
      sameAuthorization: same,
      authorization: check,
      racers: racers.map((r) => ({
        name: r.name,
        key: r.key,
        batch: r.batch,
        medianOpsPerSec: median(r.opsPerSec),
        minOpsPerSec: Math.min(...r.opsPerSec),
        maxOpsPerSec: Math.max(...r.opsPerSec),
        // Each labmate path's rate over this signer's, round by round.
        pairedRatio: median(r.opsPerSec.map((x, i) => rates('labmate')[i] / x)),
        pairedRatioExplained: median(r.opsPerSec.map((x, i) => rates('labmate-explained')[i] / x)),
      })),
    });
  }
  return { userAgent: navigator.userAgent, rounds, results };
};
window.signerRaceReady = true;
