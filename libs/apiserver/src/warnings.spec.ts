import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, validateHeaderValue, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addWarnings, warningHeaderValue, WARNING_TRUNCATED_CHARACTERS } from './warnings.js';

/** A response's headers as the recorder leaves them, each checked as Node checks a header value. */
function fakeResponse() {
  const res = {
    headersSent: false,
    warnings: [] as string[],
    setHeader(name: string, value: string | string[]) {
      assert.equal(name, 'Warning');
      for (const v of [value].flat()) validateHeaderValue(name, v);
      res.warnings = [value].flat();
    },
  };
  return res;
}

/** The texts as a client reads them back from the headers (UTF-8, unquoted). */
const texts = (headers: string[]) => headers.map((h) => Buffer.from(h, 'latin1').toString('utf8').replace(/^299 - "(.*)"$/s, '$1').replace(/\\(.)/g, '$1'));

describe('warningHeaderValue', () => {
  it('quotes the message with code 299 and agent "-"', () => {
    assert.equal(warningHeaderValue('v1 Endpoints is deprecated in v1.33+'), '299 - "v1 Endpoints is deprecated in v1.33+"');
  });

  it('escapes quotes and backslashes inside the message', () => {
    assert.equal(warningHeaderValue('unknown field "spec.x\\y"'), '299 - "unknown field \\"spec.x\\\\y\\""');
  });

  it('has none for a text with a control character, as Go\'s net.NewWarningHeader', () => {
    for (const text of ['two\nlines', 'carriage\rreturn', 'tab\there', 'nul\u0000', 'del\u007f', 'c1\u0085']) assert.equal(warningHeaderValue(text), undefined, JSON.stringify(text));
  });

  it('carries any other text as its UTF-8 bytes, which Node sends as they are', () => {
    const value = warningHeaderValue('Größe — 大きさ 🚀')!;
    validateHeaderValue('Warning', value);
    assert.equal(Buffer.from(value, 'latin1').toString('utf8'), '299 - "Größe — 大きさ 🚀"');
  });
});

describe('addWarnings (kube\'s warning recorder)', () => {
  it('adds one header per warning, after those already set, each text once, none empty', () => {
    const res = fakeResponse();
    addWarnings(res, ['a', 'b']);
    addWarnings(res, ['', 'a', 'c']);
    assert.deepEqual(res.warnings, ['299 - "a"', '299 - "b"', '299 - "c"']);
  });

  it('drops what no header can carry and keeps the rest: a webhook\'s line break never breaks the response', () => {
    const res = fakeResponse();
    addWarnings(res, ['first', 'a webhook\'s\nsecond line', 'tab\tseparated', 'HTTP/1.1 200 OK\r\nX-Injected: 1', 'last']);
    assert.deepEqual(texts(res.warnings), ['first', 'last']);
  });

  it('cuts every warning to 256 characters once all of them pass 4096, and drops those past it', () => {
    const res = fakeResponse();
    addWarnings(res, ['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(1000)));
    assert.deepEqual(texts(res.warnings), ['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(WARNING_TRUNCATED_CHARACTERS)));
    // Ten of 400 fit whole; the eleventh starts the cutting, which replays all; sixteen cut ones reach 4096, the rest go.
    const many = fakeResponse();
    addWarnings(many, Array.from({ length: 30 }, (_, i) => `${i}`.padEnd(400, 'x')));
    assert.equal(many.warnings.length, 16);
    assert.equal(texts(many.warnings)[15], '15'.padEnd(256, 'x'));
  });

  it('counts characters, not bytes, and cuts on a character', () => {
    const res = fakeResponse();
    addWarnings(res, ['é'.repeat(4096)]);
    assert.deepEqual(texts(res.warnings), ['é'.repeat(4096)]);
    addWarnings(res, ['🚀'.repeat(300)]);
    assert.deepEqual(texts(res.warnings), ['é'.repeat(256), '🚀'.repeat(256)]);
  });

  it('a lone surrogate becomes U+FFFD, as Go\'s JSON decoder leaves it', () => {
    const res = fakeResponse();
    addWarnings(res, ['half \ud800 a pair']);
    assert.deepEqual(texts(res.warnings), ['half \ufffd a pair']);
  });

  it('through a real server: every hostile warning leaves the response intact', async () => {
    const server = createServer((_req, res) => {
      addWarnings(res, ['ok', 'bad\nline', 'x'.repeat(10_000), '"quoted" \\ and ü']);
      res.end(Buffer.from('body'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const response = await new Promise<{ res: IncomingMessage; body: string }>((resolve, reject) => {
        request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ res, body }));
        })
          .on('error', reject)
          .end();
      });
      assert.equal(response.res.statusCode, 200);
      assert.equal(response.body, 'body');
      const warnings = response.res.headers.warning as unknown as string;
      // Node joins repeated headers with ", ".
      assert.equal(Buffer.from(warnings, 'latin1').toString('utf8'), `299 - "ok", 299 - "${'x'.repeat(256)}", 299 - "\\"quoted\\" \\\\ and ü"`);
    } finally {
      server.close();
    }
  });
});
