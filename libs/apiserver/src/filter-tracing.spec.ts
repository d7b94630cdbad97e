import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { StatusError } from '@kapi/api-machinery';
import { panicRecovery } from './filter-panic-recovery.js';
import { tracingFilter } from './filter-tracing.js';
import type { RequestHandler } from './handler-chain.js';
import { answerWith, exchange } from './handler-chain-testing.js';

const exporter = new InMemorySpanExporter();
new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();

describe('tracingFilter', () => {
  it('wraps the request in a server span with its method, path and answer code', async () => {
    exporter.reset();
    await exchange([tracingFilter, answerWith('ok', 201)], { method: 'POST', path: '/api/v1/namespaces/a/configmaps?dryRun=All' });
    const [span] = exporter.getFinishedSpans();
    assert.equal(span.name, 'HTTP POST /api/v1/namespaces/a/configmaps');
    assert.equal(span.kind, SpanKind.SERVER);
    assert.deepEqual(span.attributes, { 'http.request.method': 'POST', 'url.path': '/api/v1/namespaces/a/configmaps', 'http.response.status_code': 201 });
  });

  it('makes its span the active one for the rest of the chain, so their calls continue the trace', async () => {
    exporter.reset();
    let active: string | undefined;
    const inner: RequestHandler = {
      name: 'inner',
      async handle(_request, next) {
        await Promise.resolve();
        active = trace.getActiveSpan()?.spanContext().spanId;
        return next();
      },
    };
    await exchange([tracingFilter, inner, answerWith('ok')], { path: '/version' });
    assert.equal(active, exporter.getFinishedSpans()[0].spanContext().spanId);
  });

  it('is marked failed when panic recovery answers an error', async () => {
    exporter.reset();
    const failing: RequestHandler = { name: 'failing', handle: () => Promise.reject(new StatusError('KAPI_ERR_ROUTE_NOT_FOUND', 'x')) };
    await exchange([tracingFilter, panicRecovery({ error: () => undefined }), failing], { path: '/nowhere' });
    const [span] = exporter.getFinishedSpans();
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.attributes['http.response.status_code'], 404);
  });
});
