// OpenTelemetry tracing for every service. Spans go to an OTLP endpoint when
// OTEL_EXPORTER_OTLP_ENDPOINT is set, and otherwise to a JSON-lines file beside the service's log,
// which is what the local stack and the tests read.
import { appendFile, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';

/** One span as a line of the trace file. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  instance: string;
  kind: number;
  start: number;
  end: number;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string };
}

const hrToMs = ([s, ns]: [number, number]) => s * 1e3 + ns / 1e6;

export class JsonLinesSpanExporter implements SpanExporter {
  constructor(
    private readonly file: string,
    private readonly service: string,
    private readonly instance: string,
  ) {
    mkdirSync(dirname(file), { recursive: true });
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    try {
      const lines = spans.map((s) => {
        const record: SpanRecord = {
          traceId: s.spanContext().traceId,
          spanId: s.spanContext().spanId,
          parentSpanId: s.parentSpanContext?.spanId,
          name: s.name,
          service: this.service,
          instance: this.instance,
          kind: s.kind,
          start: hrToMs(s.startTime),
          end: hrToMs(s.endTime),
          attributes: s.attributes,
          status: s.status,
        };
        return JSON.stringify(record);
      });
      appendFile(this.file, lines.join('\n') + '\n', (error) =>
        done(error ? { code: ExportResultCode.FAILED, error } : { code: ExportResultCode.SUCCESS }),
      );
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  async shutdown(): Promise<void> {}
}

export interface TracingOptions {
  serviceName: string;
  instance: string;
  traceFile?: string;
}

let provider: NodeTracerProvider | undefined;

export function startTracing(options: TracingOptions): () => Promise<void> {
  const processors: SpanProcessor[] = [];
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) processors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  if (options.traceFile) {
    // Batched, so that the request path never waits on the disk; half a second keeps traces fresh.
    processors.push(
      new BatchSpanProcessor(new JsonLinesSpanExporter(options.traceFile, options.serviceName, options.instance), {
        scheduledDelayMillis: 500,
        maxQueueSize: 8192,
        maxExportBatchSize: 1024,
      }),
    );
  }
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `kapi-${options.serviceName}`, 'service.instance.id': options.instance }),
    spanProcessors: processors,
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return async () => {
    await provider?.shutdown();
  };
}

export function tracer(): Tracer {
  return trace.getTracer('kapi');
}

export { context, propagation, trace };
