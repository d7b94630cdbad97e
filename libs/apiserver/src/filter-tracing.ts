// kube's WithTracing: a server span around the rest of the request, the active span of everything
// it calls, so every gRPC hop continues the trace.
import { context, SpanKind, trace } from '@opentelemetry/api';
import type { RequestHandler } from './handler-chain.js';

export const tracingFilter: RequestHandler = {
  name: 'tracing',
  async handle({ req, res, url }, next) {
    const span = trace.getTracer('kapi').startSpan(`HTTP ${req.method} ${url.pathname}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': req.method ?? '', 'url.path': url.pathname },
    });
    try {
      await context.with(trace.setSpan(context.active(), span), next);
    } finally {
      span.setAttribute('http.response.status_code', res.statusCode);
      span.end();
    }
  },
};
